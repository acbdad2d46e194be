-- The admin console (bridge-server/src/console/): account admins, console sessions, and the audit of what was done.
CREATE TABLE account_admins (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  name text NOT NULL,
  credential_sha256 text NOT NULL UNIQUE,
  credential_hint text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  revoked_at timestamptz(3)
);
CREATE INDEX account_admins_account_idx ON account_admins (account_id);
COMMENT ON TABLE account_admins IS 'People who administer one account in the console. The operator issues each a wba_ credential, answered once; only its SHA-256 is kept (256 random bits: a plain hash is enough).';

CREATE TABLE console_sessions (
  token_sha256 text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('operator', 'account_admin')),
  account_admin_id text REFERENCES account_admins (id),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL,
  ended_at timestamptz(3),
  CHECK ((kind = 'account_admin') = (account_admin_id IS NOT NULL))
);
CREATE INDEX console_sessions_expiry_idx ON console_sessions (expires_at);
CREATE INDEX console_sessions_admin_idx ON console_sessions (account_admin_id) WHERE account_admin_id IS NOT NULL;
COMMENT ON TABLE console_sessions IS 'Console sign-ins: the cookie carries a wbs_ token, this table its SHA-256. A session ends at expires_at (database clock), at sign-out, or when its account admin is revoked.';

CREATE TABLE console_audit (
  id bigserial PRIMARY KEY,
  at timestamptz(3) NOT NULL DEFAULT now(),
  actor text NOT NULL,
  actor_name text,
  account_id text REFERENCES accounts (id),
  action text NOT NULL,
  target text NOT NULL,
  status integer NOT NULL
);
CREATE INDEX console_audit_account_idx ON console_audit (account_id, id);
COMMENT ON TABLE console_audit IS 'Every action taken in the console (sign-in, sign-out, refused sign-in, each request that changes something): who (operator or account admin id), when, what (operation, method and path), and the status answered.';
