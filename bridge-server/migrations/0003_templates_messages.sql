-- Templates synced from Meta, their syncs, messages sent through the bridge, and idempotency keys.

CREATE TABLE templates (
  deployment_id     text NOT NULL REFERENCES deployments (id),
  meta_template_id  text NOT NULL CHECK (char_length(meta_template_id) BETWEEN 1 AND 64),
  name              text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 512),
  language          text NOT NULL CHECK (char_length(language) BETWEEN 2 AND 16),
  category          text NOT NULL,
  previous_category text,
  status            text NOT NULL,
  parameter_format  text NOT NULL CHECK (parameter_format IN ('POSITIONAL', 'NAMED')),
  components        jsonb NOT NULL,
  rejected_reason   text,
  synced_at         timestamptz(3) NOT NULL,
  updated_at        timestamptz(3) NOT NULL DEFAULT now(),
  removed_at        timestamptz(3),
  PRIMARY KEY (deployment_id, meta_template_id)
);
COMMENT ON TABLE templates IS 'The message templates of each deployment''s WhatsApp Business Account, as Meta last reported them (sync or webhook); one that disappeared from Meta is kept with removed_at, so past messages still name it.';
-- Meta names a template by name and language within a WABA.
CREATE UNIQUE INDEX templates_name_language_key ON templates (deployment_id, name, language) WHERE removed_at IS NULL;

CREATE TABLE template_syncs (
  id             text PRIMARY KEY CHECK (id ~ '^tsy_[0-9a-z]{24}$'),
  deployment_id  text NOT NULL REFERENCES deployments (id),
  trigger        text NOT NULL CHECK (trigger IN ('api', 'schedule', 'webhook')),
  state          text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
  pages_fetched  integer NOT NULL DEFAULT 0 CHECK (pages_fetched >= 0),
  templates_seen integer NOT NULL DEFAULT 0 CHECK (templates_seen >= 0),
  error          text,
  started_at     timestamptz(3) NOT NULL DEFAULT now(),
  finished_at    timestamptz(3),
  CHECK ((state = 'running') = (finished_at IS NULL))
);
COMMENT ON TABLE template_syncs IS 'Each run of the template sync from Meta (GET /{waba-id}/message_templates, every page), with its progress, so a long sync can be watched and a failed one explained.';
-- One running sync per deployment: a second request joins the first instead of spending Meta's rate limit.
CREATE UNIQUE INDEX template_syncs_running_key ON template_syncs (deployment_id) WHERE state = 'running';
CREATE INDEX template_syncs_latest_idx ON template_syncs (deployment_id, started_at DESC);

ALTER TABLE deployments ADD COLUMN templates_sync_due_at timestamptz(3) NOT NULL DEFAULT now();
COMMENT ON COLUMN deployments.templates_sync_due_at IS 'When the periodic template sync should next run; replicas claim it with an update, so each deployment syncs once per period.';

CREATE TABLE messages (
  id                 text PRIMARY KEY CHECK (id ~ '^msg_[0-9a-z]{24}$'),
  deployment_id      text NOT NULL REFERENCES deployments (id),
  installation_id    text REFERENCES installations (id),
  recipient_phone    text NOT NULL CHECK (recipient_phone ~ '^\+[1-9][0-9]{6,14}$'),
  kind               text NOT NULL CHECK (kind IN ('text', 'media', 'template')),
  content            jsonb NOT NULL,
  template_name      text,
  template_language  text,
  template_category  text,
  ticket_helpdesk    text CHECK (ticket_helpdesk IN ('zendesk', 'zoho')),
  ticket_id          text CHECK (char_length(ticket_id) BETWEEN 1 AND 128),
  state              text NOT NULL CHECK (state IN ('sending', 'accepted', 'outcome_unknown', 'failed')),
  wamid              text,
  error_code         integer,
  error_title        text,
  error_details      text,
  error_reason       text,
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  updated_at         timestamptz(3) NOT NULL DEFAULT now(),
  CHECK ((kind = 'template') = (template_name IS NOT NULL)),
  CHECK ((ticket_helpdesk IS NULL) = (ticket_id IS NULL)),
  CHECK (state <> 'failed' OR error_code IS NOT NULL OR error_reason IS NOT NULL)
);
COMMENT ON TABLE messages IS 'Messages sent through the bridge, recorded before Meta is called (state sending) and carried to accepted with Meta''s wamid, failed with Meta''s error, or outcome_unknown until a status webhook carrying our id (biz_opaque_callback_data) settles it. Delivery statuses are in message_statuses, by wamid.';
CREATE UNIQUE INDEX messages_wamid_key ON messages (deployment_id, wamid) WHERE wamid IS NOT NULL;
CREATE INDEX messages_ticket_idx ON messages (deployment_id, ticket_helpdesk, ticket_id, created_at);

CREATE TABLE idempotency_keys (
  scope            text NOT NULL CHECK (char_length(scope) BETWEEN 1 AND 64),
  key              text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
  request_sha256   text NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  state            text NOT NULL CHECK (state IN ('in_flight', 'completed')),
  response_status  integer,
  response_body    jsonb,
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  expires_at       timestamptz(3) NOT NULL,
  PRIMARY KEY (scope, key),
  CHECK ((state = 'completed') = (response_status IS NOT NULL))
);
COMMENT ON TABLE idempotency_keys IS 'Idempotency-Key of each send, per installation (scope), with a hash of the request and the answer given, so a replay answers the same and a reused key with another body is refused; kept at least 24 hours.';
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
