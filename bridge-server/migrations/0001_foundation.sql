-- Foundation: accounts, deployments, helpdesk installations, and failed-authentication counters.
-- Applied at start-up by Kysely's Migrator, identically on PGlite and PostgreSQL.
-- Timestamps keep milliseconds (timestamptz(3)): what JavaScript dates hold, so keyset cursors round-trip exactly.

CREATE TABLE accounts (
  id         text PRIMARY KEY CHECK (id ~ '^acc_[0-9a-z]{24}$'),
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE accounts IS 'A customer of the bridge: owns deployments, installations and (later) one points wallet shared by all its helpdesks.';
CREATE INDEX accounts_page_idx ON accounts (created_at, id);

CREATE TABLE deployments (
  id                   text PRIMARY KEY CHECK (id ~ '^dep_[0-9a-z]{24}$'),
  account_id           text NOT NULL REFERENCES accounts (id),
  display_name         text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
  display_phone_number text NOT NULL CHECK (display_phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  waba_id              text NOT NULL CHECK (waba_id ~ '^[0-9]{5,32}$'),
  phone_number_id      text NOT NULL CHECK (phone_number_id ~ '^[0-9]{5,32}$'),
  business_manager_id  text CHECK (business_manager_id ~ '^[0-9]{5,32}$'),
  access_token_sealed  text NOT NULL CHECK (access_token_sealed LIKE 'v1.%'),
  app_secret_sealed    text NOT NULL CHECK (app_secret_sealed LIKE 'v1.%'),
  verify_token_sealed  text NOT NULL CHECK (verify_token_sealed LIKE 'v1.%'),
  created_at           timestamptz(3) NOT NULL DEFAULT now(),
  updated_at           timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (updated_at >= created_at)
);
COMMENT ON TABLE deployments IS 'A WhatsApp business phone number registered with the bridge; its id is the deployment ID helpdesk installations attach to. Secrets are AES-256-GCM sealed (see security/secret-box.ts), never stored in clear.';
-- A Cloud API phone number can be served by one deployment only: two would split its webhooks and windows.
CREATE UNIQUE INDEX deployments_phone_number_id_key ON deployments (phone_number_id);
CREATE INDEX deployments_account_page_idx ON deployments (account_id, created_at, id);
CREATE INDEX deployments_page_idx ON deployments (created_at, id);

CREATE TABLE installations (
  id            text PRIMARY KEY CHECK (id ~ '^ins_[0-9a-z]{24}$'),
  deployment_id text NOT NULL REFERENCES deployments (id),
  helpdesk      text NOT NULL CHECK (helpdesk IN ('zendesk', 'zoho')),
  instance      text NOT NULL CHECK (char_length(instance) BETWEEN 1 AND 255),
  token_sha256  text NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  token_hint    text NOT NULL CHECK (char_length(token_hint) BETWEEN 1 AND 16),
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  revoked_at    timestamptz(3) CHECK (revoked_at >= created_at)
);
COMMENT ON TABLE installations IS 'A helpdesk (Zendesk subdomain or Zoho Desk org) attached to a deployment. The bearer token is shown once and stored only as its SHA-256 (tokens carry 256 random bits, so a fast hash is sufficient).';
CREATE UNIQUE INDEX installations_token_sha256_key ON installations (token_sha256);
-- One live installation per helpdesk instance and deployment; a revoked one may be replaced.
CREATE UNIQUE INDEX installations_live_instance_key ON installations (deployment_id, helpdesk, instance) WHERE revoked_at IS NULL;
CREATE INDEX installations_page_idx ON installations (deployment_id, created_at, id);

CREATE TABLE auth_failures (
  client_key   text NOT NULL CHECK (char_length(client_key) BETWEEN 1 AND 200),
  window_start timestamptz NOT NULL,
  failures     integer NOT NULL CHECK (failures > 0),
  PRIMARY KEY (client_key, window_start)
);
COMMENT ON TABLE auth_failures IS 'Failed authentications per client and one-minute window, shared by every bridge replica; rows older than an hour are deleted as new failures arrive.';
