-- One durable job primitive (issue #17): calls to other systems that a crash between our commit and their call
-- must neither lose nor double. The outbox and the wallet-event webhook queue move onto it, with their rows.

CREATE TABLE jobs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
  account_id      text REFERENCES accounts (id),
  payload         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  attempts_max    integer NOT NULL DEFAULT 10 CHECK (attempts_max BETWEEN 1 AND 1000),
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  lease_until     timestamptz(3),
  last_error      text CHECK (char_length(last_error) BETWEEN 1 AND 2000),
  dedupe_key      text UNIQUE CHECK (char_length(dedupe_key) BETWEEN 1 AND 300),
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  updated_at      timestamptz(3) NOT NULL DEFAULT now(),
  finished_at     timestamptz(3),
  -- A running job holds a lease; only a finished one has finished_at.
  CHECK ((status = 'running') = (lease_until IS NOT NULL)),
  CHECK ((status IN ('done', 'dead')) = (finished_at IS NOT NULL))
);
COMMENT ON TABLE jobs IS 'Work for other systems, written in the transaction that decided it (so it exists exactly when that decision committed) and carried out by the job runner of any bridge process. queued: waits for next_attempt_at; running: claimed (FOR UPDATE SKIP LOCKED) with a lease that ends at lease_until, on the database''s clock, after which a crashed attempt is claimed again; done: finished (last_error may note why nothing was sent); dead: gave up after attempts_max attempts or on a permanent failure, until an administrator replays it (POST /v1/jobs/{id}/replay). dedupe_key: enqueueing the same work twice is harmless. payload: what the kind''s handler needs, validated by it.';
-- The runner's probes: due queued jobs oldest first, and running jobs whose lease ran out.
CREATE INDEX jobs_due_idx ON jobs (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (lease_until, id) WHERE status = 'running';
-- The admin listing, by status and kind, newest first.
CREATE INDEX jobs_listing_idx ON jobs (status, kind, created_at DESC, id DESC);

-- The outbox's rows become send_text jobs: what they send, under the message id chosen when they were written.
INSERT INTO jobs (kind, account_id, payload, status, attempts, attempts_max, next_attempt_at, last_error, created_at, updated_at, finished_at)
SELECT 'send_text', account_id,
       payload || jsonb_build_object('deployment_id', deployment_id, 'message_id', message_id),
       CASE WHEN done_at IS NULL THEN 'queued' ELSE 'done' END,
       attempts, greatest(10, attempts), next_attempt_at, last_error, created_at, coalesce(done_at, created_at), done_at
FROM outbox ORDER BY id;
DROP TABLE outbox;

-- Wallet-event webhook deliveries become wallet_event_webhook jobs. A delivery given up becomes dead (replayable).
-- attempts_max is the highest WALLET_WEBHOOK_ATTEMPTS_MAX allows: the configured cap is the handler's policy.
INSERT INTO jobs (kind, account_id, payload, status, attempts, attempts_max, next_attempt_at, last_error, dedupe_key, created_at, updated_at, finished_at)
SELECT 'wallet_event_webhook', account_id, jsonb_build_object('event_id', event_id),
       CASE WHEN done_at IS NULL THEN 'queued' WHEN delivered THEN 'done' ELSE 'dead' END,
       attempts, greatest(100, attempts), next_attempt_at, last_error, 'wallet_event:' || event_id, created_at,
       coalesce(done_at, created_at), done_at
FROM wallet_event_deliveries ORDER BY event_id;

CREATE OR REPLACE FUNCTION wallet_events_queue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jobs (kind, account_id, payload, attempts_max, dedupe_key)
    SELECT 'wallet_event_webhook', NEW.account_id, jsonb_build_object('event_id', NEW.id), 100, 'wallet_event:' || NEW.id
    FROM wallet_notification_settings
    WHERE account_id = NEW.account_id AND webhook_url IS NOT NULL
    ON CONFLICT (dedupe_key) DO NOTHING;
  RETURN NEW;
END;
$$;
DROP TABLE wallet_event_deliveries;
