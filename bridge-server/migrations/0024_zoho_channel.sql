-- Zoho Desk's channel integration: a Zoho Desk organisation's WhatsApp channel linked to a deployment.

CREATE TABLE zoho_channel_links (
  id                       text PRIMARY KEY CHECK (id ~ '^zhl_[0-9a-z]{24}$'),
  installation_id          text NOT NULL REFERENCES installations (id),
  org_id                   text NOT NULL CHECK (org_id ~ '^[0-9]{1,32}$'),
  locale                   text NOT NULL CHECK (char_length(locale) BETWEEN 2 AND 16),
  -- Zoho sends the channel's securityContext with every pull and push; like installation tokens, only its hash is kept.
  security_context_sha256  text NOT NULL CHECK (security_context_sha256 ~ '^[0-9a-f]{64}$'),
  -- Signs the short-lived URLs of customers' files.
  signing_key_sealed       text NOT NULL CHECK (signing_key_sealed LIKE 'v1.%'),
  accounts_url             text NOT NULL CHECK (accounts_url ~ '^https?://'),
  client_id                text NOT NULL CHECK (char_length(client_id) BETWEEN 1 AND 200),
  client_secret_sealed     text NOT NULL CHECK (client_secret_sealed LIKE 'v1.%'),
  refresh_token_sealed     text NOT NULL CHECK (refresh_token_sealed LIKE 'v1.%'),
  -- The data centre's API domain, as Zoho's token answer gave it (never assumed to be .com).
  api_domain               text NOT NULL CHECK (api_domain ~ '^https?://'),
  access_token_sealed      text CHECK (access_token_sealed LIKE 'v1.%'),
  access_token_expires_at  timestamptz(3),
  -- Messages recorded before the link are not synced: the first pull starts here.
  start_xid                xid8 NOT NULL DEFAULT pg_current_xact_id(),
  created_at               timestamptz(3) NOT NULL DEFAULT now(),
  removed_at               timestamptz(3),
  CHECK ((access_token_sealed IS NULL) = (access_token_expires_at IS NULL))
);
COMMENT ON TABLE zoho_channel_links IS 'A Zoho Desk organisation''s WhatsApp channel (extension installation) linked to a deployment through one of its Zoho installations; Zoho''s securityContext is kept as a SHA-256, the OAuth client secret, refresh and access tokens and the media signing key are sealed.';
-- One live link per installation (linking again replaces it) and per securityContext.
CREATE UNIQUE INDEX zoho_channel_links_live_installation_key ON zoho_channel_links (installation_id) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX zoho_channel_links_live_context_key ON zoho_channel_links (security_context_sha256) WHERE removed_at IS NULL;
