-- The panel's live stream (issue #11): what changed for a customer, recorded by triggers in the transaction that
-- changed it, so every writer (webhook processors, the send pipeline, consent imports, payments) and every bridge
-- replica is covered without each feature calling a publisher. Rows are invalidations (kind + scope), not data: the
-- panel reads the current state through the helpdesk's proxy when one arrives. The stream follows this table by
-- (recorded_xid, id), stopping below the oldest transaction still running (as the helpdesk pull does, 0015), so an
-- event committed late is never passed over; `Last-Event-ID` is such a position. Kept one hour (live/hub.ts prunes).
CREATE TABLE live_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recorded_xid  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  account_id    text NOT NULL,
  deployment_id text,
  phone         text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  kind          text NOT NULL CHECK (kind IN ('conversation', 'contact', 'wallet')),
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (kind = 'wallet' OR phone IS NOT NULL)
);
COMMENT ON TABLE live_events IS 'Invalidations for the panel''s live stream: a customer''s conversation or contact status changed (phone), or an account''s wallet; written by triggers, read by (recorded_xid, id), pruned after an hour.';
CREATE INDEX live_events_position_idx ON live_events (recorded_xid, id);
CREATE INDEX live_events_created_idx ON live_events (created_at);

CREATE FUNCTION live_event(p_deployment_id text, p_phone text, p_kind text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_phone IS NULL OR p_phone !~ '^\+[1-9][0-9]{6,14}$' THEN
    RETURN;
  END IF;
  INSERT INTO live_events (account_id, deployment_id, phone, kind)
  SELECT d.account_id, d.id, p_phone, p_kind FROM deployments d WHERE d.id = p_deployment_id;
END;
$$;

-- The customer wrote.
CREATE FUNCTION live_inbound_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM live_event(NEW.deployment_id, '+' || c.wa_id, 'conversation') FROM contacts c WHERE c.id = NEW.contact_id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_inbound_messages AFTER INSERT ON inbound_messages
  FOR EACH ROW EXECUTE FUNCTION live_inbound_message();

-- The window, Stop/Resume, an ad's entry point: the contact's activity.
CREATE FUNCTION live_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM live_event(NEW.deployment_id, '+' || NEW.wa_id, 'contact');
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_contacts AFTER INSERT OR UPDATE ON contacts
  FOR EACH ROW WHEN (NEW.wa_id IS NOT NULL) EXECUTE FUNCTION live_contact();

-- A message we sent: recorded, accepted, failed.
CREATE FUNCTION live_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM live_event(NEW.deployment_id, NEW.recipient_phone, 'conversation');
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_messages AFTER INSERT OR UPDATE ON messages
  FOR EACH ROW EXECUTE FUNCTION live_message();

-- Meta's delivery status of a message we sent.
CREATE FUNCTION live_message_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM live_event(NEW.deployment_id, coalesce(
    (SELECT m.recipient_phone FROM messages m WHERE m.deployment_id = NEW.deployment_id AND m.wamid = NEW.wamid),
    '+' || NEW.recipient_wa_id), 'conversation');
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_message_statuses AFTER INSERT ON message_statuses
  FOR EACH ROW EXECUTE FUNCTION live_message_status();

-- A consent recorded (by an agent, an import, a Stop keyword): the account's, whichever deployment.
CREATE FUNCTION live_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, deployment_id, phone, kind) VALUES (NEW.account_id, NULL, NEW.phone, 'contact');
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_consents AFTER INSERT ON consents
  FOR EACH ROW EXECUTE FUNCTION live_consent();

-- The wallet's sums (every ledger entry updates them).
CREATE FUNCTION live_wallet() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO live_events (account_id, kind) VALUES (NEW.account_id, 'wallet');
  RETURN NULL;
END;
$$;
CREATE TRIGGER live_wallets AFTER INSERT OR UPDATE ON wallets
  FOR EACH ROW EXECUTE FUNCTION live_wallet();
