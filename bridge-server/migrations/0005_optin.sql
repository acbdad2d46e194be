-- The opt-in registry: per-account topics, keywords and business names, and the append-only consent log.

CREATE TABLE account_optin_settings (
  account_id     text PRIMARY KEY REFERENCES accounts (id),
  topics         jsonb NOT NULL,
  keywords       jsonb NOT NULL,
  business_names jsonb NOT NULL CHECK (jsonb_typeof(business_names) = 'array'),
  updated_at     timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE account_optin_settings IS 'Per account: opt-in topics and the template-to-topic rules, opt-out and resume keywords, and the names the business is known by (an opt-in''s wording must name one). Absent: the defaults of shared/src/optin.';

CREATE TABLE consents (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts (id),
  phone           text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  topic           text NOT NULL CHECK (topic ~ '^[a-z][a-z0-9_]{0,62}$'),
  state           text NOT NULL CHECK (state IN ('opted_in', 'opted_out')),
  source          text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 64),
  evidence        text NOT NULL CHECK (char_length(evidence) BETWEEN 1 AND 2000),
  recorded_by     text CHECK (char_length(recorded_by) BETWEEN 1 AND 200),
  occurred_at     timestamptz(3) NOT NULL,
  recorded_at     timestamptz(3) NOT NULL DEFAULT now(),
  installation_id text REFERENCES installations (id),
  deployment_id   text REFERENCES deployments (id),
  message_ref     text
);
COMMENT ON TABLE consents IS 'The consent log: who agreed to or withdrew from which topic, when, how (source) and with which wording (evidence). Append-only (a trigger refuses updates and deletes): a mistake is corrected by a new record. The current state per topic is derived: latest occurred_at, ties by id.';
CREATE INDEX consents_contact_idx ON consents (account_id, phone, id);
CREATE INDEX consents_export_idx ON consents (account_id, occurred_at, id);

CREATE FUNCTION consents_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'consents are append-only: record a new consent instead of changing or deleting one';
END;
$$;
CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents
  FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();
