-- The inbound messages' live-event trigger (0036) joined the statement's transition table to contacts. PL/pgSQL keeps
-- the plan it made on the connection's first batch, when contacts held a few rows: a nested loop that scanned every
-- contact for every message written (18 ms for a batch of 109 messages among 464 contacts, growing with the contacts;
-- issue 16). The planner knows nothing of a transition table's size, so no plan made for a join is safe. The customer's
-- number is now read by its key for each row written (a scalar subquery is never turned into a join), as the status
-- trigger reads its message: the same events, a cost that grows with the batch, not with the contacts.

CREATE OR REPLACE FUNCTION live_inbound_messages_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT DISTINCT d.account_id, d.id, p.phone, 'conversation'
  FROM written w
  JOIN deployments d ON d.id = w.deployment_id
  CROSS JOIN LATERAL (SELECT (SELECT '+' || c.wa_id FROM contacts c WHERE c.id = w.contact_id) AS phone) AS p
  WHERE p.phone ~ '^\+[1-9][0-9]{6,14}$';
  RETURN NULL;
END;
$$;
