-- Confirmation replies for keyword opt-outs and resumes, and the transactional outbox that sends them.

ALTER TABLE account_optin_settings
  ADD COLUMN confirmations jsonb NOT NULL DEFAULT '{"opt_out": null, "opt_in": null}'
    CHECK (jsonb_typeof(confirmations) = 'object');
COMMENT ON COLUMN account_optin_settings.confirmations IS 'The reply sent when a customer''s keyword opts out (opt_out) or back in (opt_in): {"opt_out": text | null, "opt_in": text | null}; null sends nothing.';

CREATE TABLE outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('send_text')),
  deployment_id   text NOT NULL REFERENCES deployments (id),
  account_id      text NOT NULL REFERENCES accounts (id),
  message_id      text NOT NULL UNIQUE CHECK (message_id ~ '^msg_[0-9a-z]{24}$'),
  payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  done_at         timestamptz(3),
  last_error      text CHECK (char_length(last_error) BETWEEN 1 AND 2000)
);
COMMENT ON TABLE outbox IS 'Work for other systems decided inside one of our transactions (a keyword opt-out''s confirmation reply), written in that transaction and carried out by the outbox worker. message_id is chosen when the row is written: the message is recorded under it before Meta is called, so a retry that finds it recorded never calls Meta again. done_at marks the end, sent or not; last_error says why not.';
-- The worker's probe: due rows not done, oldest first.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE done_at IS NULL;
