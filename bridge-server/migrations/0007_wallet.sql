-- The points wallet: account point prices, purchases, the append-only ledger, the per-account wallet row the
-- ledger keeps up to date, and one charge per metered message (its hold and how the hold was settled).

CREATE TABLE account_pricing_settings (
  account_id               text PRIMARY KEY REFERENCES accounts (id),
  currency                 text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  point_price_minor        bigint NOT NULL CHECK (point_price_minor > 0),
  quantity_prices          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(quantity_prices) = 'array'),
  fee_percent_basis_points integer NOT NULL DEFAULT 300 CHECK (fee_percent_basis_points BETWEEN 0 AND 10000),
  tax_rate_basis_points    integer NOT NULL DEFAULT 0 CHECK (tax_rate_basis_points BETWEEN 0 AND 10000),
  point_value_micro_usd    bigint NOT NULL CHECK (point_value_micro_usd > 0),
  updated_at               timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE account_pricing_settings IS 'Per account: the price of a point (minor unit of currency, quantity tiers), the purchase fee and tax in basis points, and what one point pays of Meta''s charges in micro-USD. An account without a row is not metered: its messages carry no charge and it cannot buy points.';

CREATE TABLE purchases (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id        text NOT NULL REFERENCES accounts (id),
  payment_reference text NOT NULL UNIQUE CHECK (char_length(payment_reference) BETWEEN 1 AND 200),
  points            bigint NOT NULL CHECK (points > 0),
  unit_price_minor  bigint NOT NULL CHECK (unit_price_minor > 0),
  subtotal_minor    bigint NOT NULL CHECK (subtotal_minor = points * unit_price_minor),
  fee_minor         bigint NOT NULL CHECK (fee_minor >= 0),
  tax_minor         bigint NOT NULL CHECK (tax_minor >= 0),
  total_minor       bigint NOT NULL,
  currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at        timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (total_minor = subtotal_minor + fee_minor + tax_minor)
);
COMMENT ON TABLE purchases IS 'Receipts of points bought, one per payment reference (unique: a payment counted twice is refused by the database). Append-only; every purchase has exactly one purchase entry in wallet_entries, written in the same transaction.';

CREATE TABLE wallets (
  account_id      text PRIMARY KEY REFERENCES accounts (id),
  balance_points  bigint NOT NULL DEFAULT 0,
  reserved_points bigint NOT NULL DEFAULT 0 CHECK (reserved_points >= 0),
  updated_at      timestamptz(3) NOT NULL DEFAULT now(),
  -- available = balance - reserved: never negative, whatever runs concurrently.
  CHECK (balance_points >= reserved_points)
);
COMMENT ON TABLE wallets IS 'Per account: the sums of wallet_entries (balance_points = sum of balance_delta_points, reserved_points = sum of reserved_delta_points), kept by a trigger on every ledger insert and never written otherwise. Its CHECK refuses any entry that would make the available balance (balance - reserved) negative; its row lock serialises concurrent holds of one account across every bridge process.';

CREATE TABLE wallet_entries (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id            text NOT NULL REFERENCES accounts (id),
  kind                  text NOT NULL CHECK (kind IN ('purchase', 'hold', 'capture', 'release', 'adjustment')),
  balance_delta_points  bigint NOT NULL,
  reserved_delta_points bigint NOT NULL,
  message_id            text REFERENCES messages (id),
  deployment_id         text REFERENCES deployments (id),
  installation_id       text REFERENCES installations (id),
  ticket_helpdesk       text CHECK (ticket_helpdesk IN ('zendesk', 'zoho')),
  ticket_id             text,
  payment_reference     text REFERENCES purchases (payment_reference),
  rate_card_id          text,
  rule_set_id           text,
  category              text,
  market                text,
  rate_micro_usd        bigint CHECK (rate_micro_usd >= 0),
  reason                text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_at            timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (
    (kind = 'purchase' AND balance_delta_points > 0 AND reserved_delta_points = 0 AND payment_reference IS NOT NULL)
    OR (kind = 'hold' AND balance_delta_points = 0 AND reserved_delta_points > 0 AND message_id IS NOT NULL)
    OR (kind = 'capture' AND balance_delta_points <= 0 AND reserved_delta_points <= 0 AND message_id IS NOT NULL)
    OR (kind = 'release' AND balance_delta_points = 0 AND reserved_delta_points < 0 AND message_id IS NOT NULL)
    OR (kind = 'adjustment' AND balance_delta_points <> 0 AND reserved_delta_points = 0)
  )
);
COMMENT ON TABLE wallet_entries IS 'The points ledger. Append-only (a trigger refuses updates and deletes): a mistake is corrected by an adjustment. balance_delta_points moves the balance (purchase +, capture -, adjustment ±); reserved_delta_points moves the points held for messages in flight (hold +, capture and release - the held amount). Each entry says why (kind, reason) and what it is linked to (message, ticket, purchase, the rate used). One hold and one settlement (capture or release) per message, by unique indexes.';
CREATE UNIQUE INDEX wallet_entries_one_hold_idx ON wallet_entries (message_id) WHERE kind = 'hold';
CREATE UNIQUE INDEX wallet_entries_one_settlement_idx ON wallet_entries (message_id) WHERE kind IN ('capture', 'release');
CREATE UNIQUE INDEX wallet_entries_one_purchase_idx ON wallet_entries (payment_reference) WHERE kind = 'purchase';
CREATE INDEX wallet_entries_account_idx ON wallet_entries (account_id, id);

CREATE FUNCTION wallet_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: record a new entry instead of changing or deleting one', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER wallet_entries_append_only BEFORE UPDATE OR DELETE ON wallet_entries
  FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
CREATE TRIGGER purchases_append_only BEFORE UPDATE OR DELETE ON purchases
  FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();

-- Every entry moves its account's wallet row in the same statement: the row and the ledger cannot disagree,
-- and the row's CHECK refuses (and so rolls back) an entry that would overdraw the available balance.
CREATE FUNCTION wallet_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- UPDATE first: an INSERT … ON CONFLICT would check the proposed row (a lone negative delta) against the CHECK.
  UPDATE wallets SET
      balance_points = balance_points + NEW.balance_delta_points,
      reserved_points = reserved_points + NEW.reserved_delta_points,
      updated_at = now()
    WHERE account_id = NEW.account_id;
  IF NOT FOUND THEN
    INSERT INTO wallets (account_id, balance_points, reserved_points)
      VALUES (NEW.account_id, NEW.balance_delta_points, NEW.reserved_delta_points);
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER wallet_entries_apply AFTER INSERT ON wallet_entries
  FOR EACH ROW EXECUTE FUNCTION wallet_entries_apply();

CREATE TABLE message_charges (
  message_id         text PRIMARY KEY REFERENCES messages (id),
  account_id         text NOT NULL REFERENCES accounts (id),
  state              text NOT NULL CHECK (state IN ('held', 'captured', 'released', 'free')),
  points             bigint NOT NULL CHECK (points >= 0),
  captured_points    bigint CHECK (captured_points >= 0),
  uncollected_points bigint NOT NULL DEFAULT 0 CHECK (uncollected_points >= 0),
  category           text NOT NULL,
  market             text NOT NULL,
  free_reason        text,
  rate_card_id       text NOT NULL,
  rule_set_id        text NOT NULL,
  rate_micro_usd     bigint NOT NULL CHECK (rate_micro_usd >= 0),
  meta_pricing_type  text,
  meta_category      text,
  category_mismatch  boolean NOT NULL DEFAULT false,
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  settled_at         timestamptz(3),
  CHECK (state <> 'held' OR (points > 0 AND captured_points IS NULL AND settled_at IS NULL)),
  CHECK (state <> 'free' OR (points = 0 AND free_reason IS NOT NULL AND captured_points IS NULL)),
  CHECK (state <> 'captured' OR (captured_points IS NOT NULL AND settled_at IS NOT NULL)),
  CHECK (state <> 'released' OR (captured_points IS NULL AND settled_at IS NOT NULL))
);
COMMENT ON TABLE message_charges IS 'What a metered message costs: our quote at the send (points, category, market, rate), held in the transaction that recorded the message, then captured (Meta billed it: captured_points at the category Meta reported, uncollected_points what the available balance could not cover) or released (free or failed), once: only a held charge moves. free: nothing was ever held. A hold Meta never prices (no status ever arrives) stays held: there is no timeout yet, so reserved points are never returned on a guess.';
CREATE INDEX message_charges_held_idx ON message_charges (account_id) WHERE state = 'held';
