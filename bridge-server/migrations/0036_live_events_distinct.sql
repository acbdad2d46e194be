-- A live event tells the panels that a customer's conversation or contact changed, and they read it afresh: two
-- events for the same customer, kind and deployment from one statement say nothing the first does not. The triggers of
-- 0029 wrote one per row, so a batch of webhooks wrote as many events as statuses (three per message sent: sent,
-- delivered, read), the most written table of a broadcast. They now write one per customer, kind and deployment per
-- statement (issue 16: on embedded PGlite these triggers were a tenth of the bridge's thread under sustained load).

CREATE OR REPLACE FUNCTION live_inbound_messages_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT DISTINCT d.account_id, d.id, '+' || c.wa_id, 'conversation'
  FROM written w JOIN contacts c ON c.id = w.contact_id JOIN deployments d ON d.id = w.deployment_id
  WHERE ('+' || c.wa_id) ~ '^\+[1-9][0-9]{6,14}$';
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION live_contacts_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT DISTINCT d.account_id, d.id, '+' || w.wa_id, 'contact'
  FROM written w JOIN deployments d ON d.id = w.deployment_id
  WHERE w.wa_id IS NOT NULL AND ('+' || w.wa_id) ~ '^\+[1-9][0-9]{6,14}$';
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION live_message_statuses_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT DISTINCT d.account_id, d.id, p.phone, 'conversation'
  FROM written w
  JOIN deployments d ON d.id = w.deployment_id
  CROSS JOIN LATERAL (
    SELECT coalesce(
      (SELECT m.recipient_phone FROM messages m WHERE m.deployment_id = w.deployment_id AND m.wamid = w.wamid),
      '+' || w.recipient_wa_id) AS phone
  ) AS p
  WHERE p.phone ~ '^\+[1-9][0-9]{6,14}$';
  RETURN NULL;
END;
$$;
