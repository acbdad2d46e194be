-- Set-based webhook batches (issue 16) write a batch's statuses, inbound messages and contacts in one statement each;
-- the live-event triggers of 0023 still ran a PL/pgSQL function per row (each reading the deployment, and for a status
-- our message, then inserting one event). These triggers fire once per statement instead and write the statement's
-- events in one INSERT … SELECT over its transition table: the same events (one per row written, phone and kind as
-- before), fewer function calls. PostgreSQL: CREATE TRIGGER … REFERENCING NEW TABLE (transition tables; one event per
-- trigger, hence two for contacts' INSERT and UPDATE).

DROP TRIGGER live_inbound_messages ON inbound_messages;
DROP FUNCTION live_inbound_message();
CREATE FUNCTION live_inbound_messages_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT d.account_id, d.id, '+' || c.wa_id, 'conversation'
  FROM written w JOIN contacts c ON c.id = w.contact_id JOIN deployments d ON d.id = w.deployment_id
  WHERE ('+' || c.wa_id) ~ '^\+[1-9][0-9]{6,14}$';
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_inbound_messages AFTER INSERT ON inbound_messages
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION live_inbound_messages_written();

DROP TRIGGER live_contacts ON contacts;
DROP FUNCTION live_contact();
CREATE FUNCTION live_contacts_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT d.account_id, d.id, '+' || w.wa_id, 'contact'
  FROM written w JOIN deployments d ON d.id = w.deployment_id
  WHERE w.wa_id IS NOT NULL AND ('+' || w.wa_id) ~ '^\+[1-9][0-9]{6,14}$';
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_contacts_inserted AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION live_contacts_written();
CREATE TRIGGER live_contacts_updated AFTER UPDATE ON contacts
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION live_contacts_written();

DROP TRIGGER live_message_statuses ON message_statuses;
DROP FUNCTION live_message_status();
CREATE FUNCTION live_message_statuses_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT d.account_id, d.id, p.phone, 'conversation'
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
CREATE TRIGGER live_message_statuses AFTER INSERT ON message_statuses
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION live_message_statuses_written();
