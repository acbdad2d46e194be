-- Payments through a payment provider (checkout and auto-recharge), the per-account auto-recharge settings,
-- and the sandbox provider's own record of the charges it was asked for.

CREATE TABLE payments (
  id                 text PRIMARY KEY,
  account_id         text NOT NULL REFERENCES accounts (id),
  origin             text NOT NULL CHECK (origin IN ('checkout', 'auto_recharge')),
  provider           text NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 40),
  idempotency_key    text NOT NULL UNIQUE CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
  request_key        text CHECK (char_length(request_key) BETWEEN 1 AND 255),
  request_sha256     text CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  payment_method     text NOT NULL CHECK (char_length(payment_method) BETWEEN 1 AND 100),
  points             bigint NOT NULL CHECK (points > 0),
  amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
  currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
  provider_reference text CHECK (char_length(provider_reference) BETWEEN 1 AND 200),
  purchase_id        bigint REFERENCES purchases (id),
  failure_code       text CHECK (char_length(failure_code) BETWEEN 1 AND 100),
  failure_message    text CHECK (char_length(failure_message) BETWEEN 1 AND 500),
  checks             integer NOT NULL DEFAULT 0 CHECK (checks >= 0),
  next_check_at      timestamptz(3) NOT NULL,
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  settled_at         timestamptz(3),
  CHECK ((request_key IS NULL) = (request_sha256 IS NULL)),
  CHECK ((origin = 'checkout') = (request_key IS NOT NULL)),
  CHECK (state <> 'pending' OR (settled_at IS NULL AND purchase_id IS NULL AND failure_code IS NULL)),
  CHECK (state <> 'succeeded' OR (settled_at IS NOT NULL AND purchase_id IS NOT NULL AND provider_reference IS NOT NULL AND failure_code IS NULL)),
  CHECK (state <> 'failed' OR (settled_at IS NOT NULL AND purchase_id IS NULL AND failure_code IS NOT NULL AND failure_message IS NOT NULL))
);
COMMENT ON TABLE payments IS 'One charge asked of the payment provider, recorded (pending) before the provider is called under an idempotency key chosen here, so a crash or a lost answer is settled by asking the provider about that key, never by charging again. Moves once: to succeeded (with the provider''s reference and the purchase it bought, recorded through recordPurchase) or to failed (the provider''s code and message). At most one pending payment per account (unique partial index): two bridge processes cannot both start one, and auto-recharge waits while any payment is pending. request_key: the Idempotency-Key of a checkout (unique per account), with its body''s SHA-256.';
CREATE UNIQUE INDEX payments_one_pending_idx ON payments (account_id) WHERE state = 'pending';
CREATE UNIQUE INDEX payments_request_key_idx ON payments (account_id, request_key) WHERE request_key IS NOT NULL;
CREATE INDEX payments_account_idx ON payments (account_id, created_at DESC, id DESC);
CREATE INDEX payments_due_check_idx ON payments (next_check_at) WHERE state = 'pending';
CREATE INDEX payments_auto_recharge_idx ON payments (account_id, created_at) WHERE origin = 'auto_recharge';

CREATE TABLE auto_recharge_settings (
  account_id       text PRIMARY KEY REFERENCES accounts (id),
  enabled          boolean NOT NULL,
  threshold_points bigint NOT NULL CHECK (threshold_points >= 0),
  amount_points    bigint NOT NULL CHECK (amount_points > 0),
  payment_method   text NOT NULL CHECK (char_length(payment_method) BETWEEN 1 AND 100),
  paused_at        timestamptz(3),
  paused_reason    text CHECK (paused_reason IN ('payment_failed', 'limit_reached')),
  paused_detail    text CHECK (char_length(paused_detail) BETWEEN 1 AND 500),
  paused_payment_id text REFERENCES payments (id),
  updated_at       timestamptz(3) NOT NULL DEFAULT now(),
  CHECK ((paused_at IS NULL) = (paused_reason IS NULL) AND (paused_at IS NULL) = (paused_detail IS NULL)),
  CHECK (paused_payment_id IS NULL OR paused_reason = 'payment_failed')
);
COMMENT ON TABLE auto_recharge_settings IS 'Per account: buy amount_points with payment_method whenever the available balance is under threshold_points. Paused (paused_at, why, the failed payment) after a failed recharge or when the limit of recharges per 30 days is reached; only saving the settings again resumes it. An account without a row has auto-recharge off.';

CREATE TABLE payment_sandbox_charges (
  idempotency_key    text PRIMARY KEY CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
  account_id         text NOT NULL,
  amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
  currency           text NOT NULL,
  payment_method     text NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  provider_reference text NOT NULL UNIQUE,
  failure_code       text,
  failure_message    text,
  settles_at         timestamptz(3) NOT NULL,
  created_at         timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE payment_sandbox_charges IS 'The sandbox payment provider''s side (PAYMENT_PROVIDER=sandbox, tests and demos): one charge per idempotency key, its outcome decided by the test payment method, pending until settles_at. Kept in the database so that every bridge process, and a bridge restarted after a crash, sees the same provider, as it would a real one. Only the sandbox provider reads or writes it.';
