-- Ledger additions: adjustments with an idempotency reference, a per-deployment monthly hosting fee charged once
-- per month, and the expiry of holds Meta never prices.

-- 0007 wrote the kind and state CHECKs without names; PostgreSQL generated them. They are found in the catalogue
-- by the column they constrain (never by a guessed name), dropped, and replaced by named ones.
DO $$
DECLARE
  unnamed record;
BEGIN
  FOR unnamed IN
    SELECT c.conrelid::regclass AS table_name, c.conname AS constraint_name FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'c'
        AND ((c.conrelid = 'wallet_entries'::regclass AND a.attname = 'kind')
          OR (c.conrelid = 'message_charges'::regclass AND a.attname = 'state'))
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', unnamed.table_name, unnamed.constraint_name);
  END LOOP;
END;
$$;

ALTER TABLE wallet_entries
  ADD COLUMN adjustment_reference text CHECK (char_length(adjustment_reference) BETWEEN 1 AND 200),
  ADD COLUMN hosting_period text CHECK (hosting_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  ADD CONSTRAINT wallet_entries_kind_check
    CHECK (kind IN ('purchase', 'hold', 'capture', 'release', 'expiry', 'adjustment', 'hosting_fee')),
  ADD CONSTRAINT wallet_entries_kind_shape_check CHECK (
    (kind = 'purchase' AND balance_delta_points > 0 AND reserved_delta_points = 0 AND payment_reference IS NOT NULL)
    OR (kind = 'hold' AND balance_delta_points = 0 AND reserved_delta_points > 0 AND message_id IS NOT NULL)
    OR (kind = 'capture' AND balance_delta_points <= 0 AND reserved_delta_points <= 0 AND message_id IS NOT NULL)
    OR (kind = 'release' AND balance_delta_points = 0 AND reserved_delta_points < 0 AND message_id IS NOT NULL)
    OR (kind = 'expiry' AND balance_delta_points = 0 AND reserved_delta_points < 0 AND message_id IS NOT NULL)
    OR (kind = 'adjustment' AND balance_delta_points <> 0 AND reserved_delta_points = 0)
    OR (kind = 'hosting_fee' AND balance_delta_points <= 0 AND reserved_delta_points = 0
        AND deployment_id IS NOT NULL AND hosting_period IS NOT NULL)
  ),
  ADD CONSTRAINT wallet_entries_reference_kind_check CHECK (
    (adjustment_reference IS NULL OR kind = 'adjustment') AND (hosting_period IS NULL OR kind = 'hosting_fee')
  );
COMMENT ON TABLE wallet_entries IS 'The points ledger. Append-only (a trigger refuses updates and deletes): a mistake is corrected by an adjustment. balance_delta_points moves the balance (purchase +, capture -, adjustment ±, hosting_fee -); reserved_delta_points moves the points held for messages in flight (hold +, capture, release and expiry - the held amount). Each entry says why (kind, reason) and what it is linked to (message, ticket, purchase, the rate used, the adjustment reference, the hosting period). One hold, one settlement (capture or release) and one expiry per message, one entry per adjustment reference and one hosting fee per deployment and month, by unique indexes.';
CREATE UNIQUE INDEX wallet_entries_adjustment_reference_idx ON wallet_entries (adjustment_reference);
CREATE UNIQUE INDEX wallet_entries_one_expiry_idx ON wallet_entries (message_id) WHERE kind = 'expiry';
CREATE UNIQUE INDEX wallet_entries_one_hosting_fee_idx ON wallet_entries (deployment_id, hosting_period) WHERE kind = 'hosting_fee';
-- The ledger's filters (time range; ticket) within one account.
CREATE INDEX wallet_entries_account_created_idx ON wallet_entries (account_id, created_at, id);
CREATE INDEX wallet_entries_ticket_idx ON wallet_entries (account_id, ticket_id) WHERE ticket_id IS NOT NULL;

ALTER TABLE message_charges
  ADD COLUMN hold_expired_at timestamptz(3),
  ADD CONSTRAINT message_charges_state_check CHECK (state IN ('held', 'expired', 'captured', 'released', 'free')),
  ADD CONSTRAINT message_charges_held_check
    CHECK (state <> 'held' OR (points > 0 AND captured_points IS NULL AND settled_at IS NULL AND hold_expired_at IS NULL)),
  ADD CONSTRAINT message_charges_expired_check
    CHECK (state <> 'expired' OR (points > 0 AND captured_points IS NULL AND settled_at IS NULL AND hold_expired_at IS NOT NULL)),
  ADD CONSTRAINT message_charges_free_check
    CHECK (state <> 'free' OR (points = 0 AND free_reason IS NOT NULL AND captured_points IS NULL AND hold_expired_at IS NULL)),
  ADD CONSTRAINT message_charges_captured_check CHECK (state <> 'captured' OR (captured_points IS NOT NULL AND settled_at IS NOT NULL)),
  ADD CONSTRAINT message_charges_released_check CHECK (state <> 'released' OR (captured_points IS NULL AND settled_at IS NOT NULL));
COMMENT ON TABLE message_charges IS 'What a metered message costs: our quote at the send (points, category, market, rate), held in the transaction that recorded the message, then captured (Meta billed it: captured_points at the category Meta reported, uncollected_points what the available balance could not cover) or released (free or failed), once: only a held (or expired) charge moves. free: nothing was ever held. expired: Meta had not priced it WALLET_HOLD_TIMEOUT_HOURS after the send, so the hold was returned (an expiry entry, hold_expired_at); Meta''s verdict still settles it when it comes: billable is captured from the available balance (the rest uncollected), free or failed moves nothing.';
CREATE INDEX message_charges_held_since_idx ON message_charges (created_at) WHERE state = 'held';

CREATE TABLE deployment_hosting_fees (
  deployment_id  text PRIMARY KEY REFERENCES deployments (id),
  monthly_points bigint NOT NULL CHECK (monthly_points > 0),
  updated_at     timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE deployment_hosting_fees IS 'Per deployment (one WhatsApp number): the points its account pays each calendar month (UTC) for hosting the number, as the helpdesk vendor bills it. No row: no fee. A change applies from the next month not yet charged.';

CREATE TABLE hosting_fee_charges (
  deployment_id      text NOT NULL REFERENCES deployments (id),
  period             text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  account_id         text NOT NULL REFERENCES accounts (id),
  fee_points         bigint NOT NULL CHECK (fee_points > 0),
  collected_points   bigint NOT NULL CHECK (collected_points >= 0),
  uncollected_points bigint NOT NULL CHECK (uncollected_points >= 0),
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment_id, period),
  CHECK (collected_points + uncollected_points = fee_points)
);
COMMENT ON TABLE hosting_fee_charges IS 'One row per deployment and calendar month (UTC, YYYY-MM) whose hosting fee was charged, written with its hosting_fee ledger entry: the primary key makes bridge replicas racing for the same month charge it once. collected_points is what the available balance covered (the entry''s debit), uncollected_points the rest, never collected later. Append-only.';
CREATE TRIGGER hosting_fee_charges_append_only BEFORE UPDATE OR DELETE ON hosting_fee_charges
  FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
