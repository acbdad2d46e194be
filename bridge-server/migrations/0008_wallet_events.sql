-- Wallet events (low balance, balance depleted, payment outcomes) for the apps, the per-account notification
-- settings (low-balance threshold, outgoing webhook), and the queue of webhook deliveries.

CREATE TABLE wallet_notification_settings (
  account_id            text PRIMARY KEY REFERENCES accounts (id),
  low_balance_threshold bigint NOT NULL DEFAULT 100 CHECK (low_balance_threshold >= 0),
  webhook_url           text CHECK (char_length(webhook_url) BETWEEN 1 AND 2000),
  webhook_secret_sealed text,
  low_balance_notified  boolean NOT NULL DEFAULT false,
  depleted_notified     boolean NOT NULL DEFAULT false,
  updated_at            timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (webhook_url IS NULL OR webhook_secret_sealed IS NOT NULL)
);
COMMENT ON TABLE wallet_notification_settings IS 'Per account: the available balance under which the wallet is low (0: no low-balance event; 100 by default, the panel''s warning level before thresholds were settings), the URL wallet events are POSTed to (null: none) with its signing secret (sealed by SecretBox), and whether the current descent was already announced (low_balance_notified, depleted_notified: set when the event fires, cleared when points are added and the available balance is back at or above the threshold). An account without a row has the defaults (threshold 100, no webhook).';

CREATE TABLE wallet_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  kind       text NOT NULL CHECK (kind IN ('low_balance', 'balance_depleted', 'payment_succeeded', 'payment_failed', 'payment_pending', 'auto_recharge_paused')),
  data       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE wallet_events IS 'What happened to an account''s wallet that its people should know: the available balance fell under the threshold (low_balance) or reached zero (balance_depleted), both written by the trigger on wallets; a payment succeeded, failed or waits, auto-recharge paused, written by the payment code. data carries the figures. Append-only; each event is queued for the account''s webhook (wallet_event_deliveries) by a trigger, in the same transaction.';
CREATE INDEX wallet_events_account_idx ON wallet_events (account_id, id);
CREATE INDEX wallet_events_account_kind_idx ON wallet_events (account_id, kind, id);
CREATE TRIGGER wallet_events_append_only BEFORE UPDATE OR DELETE ON wallet_events
  FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();

CREATE TABLE wallet_event_deliveries (
  event_id        bigint PRIMARY KEY REFERENCES wallet_events (id),
  account_id      text NOT NULL REFERENCES accounts (id),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  done_at         timestamptz(3),
  delivered       boolean,
  last_status     integer,
  last_error      text CHECK (char_length(last_error) BETWEEN 1 AND 2000),
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  CHECK ((done_at IS NULL) = (delivered IS NULL))
);
COMMENT ON TABLE wallet_event_deliveries IS 'One POST of a wallet event to its account''s webhook, queued with the event and carried out by the wallet-event webhook worker (claimed with FOR UPDATE SKIP LOCKED, at least once, retried with backoff). The URL and secret are read at each attempt, so a changed URL or rotated secret applies to pending deliveries. done_at marks the end: delivered true (a 2xx answer) or false (gave up, or the webhook was removed); last_status and last_error say what the last attempt got.';
CREATE INDEX wallet_event_deliveries_due_idx ON wallet_event_deliveries (next_attempt_at, event_id) WHERE done_at IS NULL;

-- Every event is queued for the webhook the account has when it is recorded.
CREATE FUNCTION wallet_events_queue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO wallet_event_deliveries (event_id, account_id)
    SELECT NEW.id, NEW.account_id FROM wallet_notification_settings
    WHERE account_id = NEW.account_id AND webhook_url IS NOT NULL;
  RETURN NEW;
END;
$$;
CREATE TRIGGER wallet_events_queue_delivery AFTER INSERT ON wallet_events
  FOR EACH ROW EXECUTE FUNCTION wallet_events_queue_delivery();

-- Crossings are detected where the available balance (balance - reserved) changes, whatever changed it: every
-- ledger entry moves the wallet row, whose lock serialises this per account. One event per descent: the
-- notified flags are set when an event fires and cleared only when points are ADDED (a purchase or a credit:
-- the balance rises) and the available balance is back at or above the threshold. A release (or a capture
-- below its hold) only returns points reserved for a message in flight: it does not re-arm, or messages sent
-- around the threshold would announce it again at every hold.
CREATE FUNCTION wallets_detect_crossings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_available bigint := OLD.balance_points - OLD.reserved_points;
  new_available bigint := NEW.balance_points - NEW.reserved_points;
  settings wallet_notification_settings%ROWTYPE;
  threshold bigint;
  low_notified boolean;
  depleted_notified boolean;
  figures jsonb;
BEGIN
  IF new_available = old_available AND NEW.balance_points = OLD.balance_points THEN
    RETURN NEW;
  END IF;
  SELECT * INTO settings FROM wallet_notification_settings WHERE account_id = NEW.account_id FOR UPDATE;
  -- No row: the column's default.
  threshold := coalesce(settings.low_balance_threshold, 100);
  low_notified := coalesce(settings.low_balance_notified, false);
  depleted_notified := coalesce(settings.depleted_notified, false);
  figures := jsonb_build_object(
    'available', new_available, 'balance', NEW.balance_points, 'reserved', NEW.reserved_points, 'threshold', threshold);

  IF NEW.balance_points > OLD.balance_points THEN
    IF new_available >= threshold THEN low_notified := false; END IF;
    IF new_available >= greatest(threshold, 1) THEN depleted_notified := false; END IF;
  END IF;
  IF new_available < old_available THEN
    IF threshold > 0 AND new_available < threshold AND NOT low_notified THEN
      INSERT INTO wallet_events (account_id, kind, data) VALUES (NEW.account_id, 'low_balance', figures);
      low_notified := true;
    END IF;
    IF new_available = 0 AND NOT depleted_notified THEN
      INSERT INTO wallet_events (account_id, kind, data) VALUES (NEW.account_id, 'balance_depleted', figures);
      depleted_notified := true;
    END IF;
  END IF;

  IF low_notified IS DISTINCT FROM coalesce(settings.low_balance_notified, false)
     OR depleted_notified IS DISTINCT FROM coalesce(settings.depleted_notified, false) THEN
    INSERT INTO wallet_notification_settings (account_id, low_balance_notified, depleted_notified)
      VALUES (NEW.account_id, low_notified, depleted_notified)
      ON CONFLICT (account_id) DO UPDATE SET
        low_balance_notified = EXCLUDED.low_balance_notified,
        depleted_notified = EXCLUDED.depleted_notified;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER wallets_detect_crossings AFTER UPDATE ON wallets
  FOR EACH ROW EXECUTE FUNCTION wallets_detect_crossings();
