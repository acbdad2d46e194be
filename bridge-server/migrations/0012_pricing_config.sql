-- Pricing configuration an operator changes at run time: imported rate cards (beside the seed cards shipped in
-- shared/src/pricing/tables) and, per account, the reported rule sets switched on and the pricing time zone.

CREATE TABLE rate_cards (
  id             text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  -- Cards with the same effective date: the one imported later wins (latestInForce), so the order is kept.
  import_order   bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  model          text NOT NULL CHECK (model IN ('per_message', 'conversation')),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- A calendar date, not a date column: node-postgres would read a date as local midnight of the server.
  effective_from text NOT NULL CHECK (effective_from ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  source         text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 500),
  rates          jsonb NOT NULL CHECK (jsonb_typeof(rates) = 'object'),
  content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  csv            text NOT NULL,
  imported_at    timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE rate_cards IS 'Rate cards imported by an operator (POST /v1/pricing/rate-cards): rates per market in millionths of currency (the parsed CSV, as shared/src/pricing RateCard.rates), the CSV as sent, and a hash of the content that makes a repeated import recognisable and lets every bridge process cache the set. Cards never change or disappear (a trigger refuses updates and deletes): a new card with a later effective date replaces one going forward, and an effective date must not have started anywhere at import, so no price already quoted or held moves.';
CREATE TRIGGER rate_cards_immutable BEFORE UPDATE OR DELETE ON rate_cards
  FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();

CREATE TABLE account_pricing_rules (
  account_id        text PRIMARY KEY REFERENCES accounts (id),
  enabled_rule_sets jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(enabled_rule_sets) = 'array'),
  time_zone         text NOT NULL DEFAULT 'UTC' CHECK (char_length(time_zone) BETWEEN 1 AND 64),
  updated_at        timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE account_pricing_rules IS 'Per account: the reported pricing rule sets (not confirmed by Meta) an operator switched on, applied from their effective dates, and the IANA time zone in which rate cards and rule sets take effect (the WABA''s). An account without a row uses the published rule sets only, in UTC.';
