-- Meta webhooks: the durable inbox, contacts and their window activity, inbound messages, delivery statuses,
-- and every other change Meta reports.

CREATE TABLE webhook_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id text NOT NULL REFERENCES deployments (id),
  body          bytea NOT NULL,
  body_sha256   text NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
  received_at   timestamptz(3) NOT NULL DEFAULT now(),
  processed_at  timestamptz(3) CHECK (processed_at >= received_at),
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  last_error    text
);
COMMENT ON TABLE webhook_events IS 'Every signed Meta webhook body, stored byte for byte before we answer 200 (Meta never resends an acknowledged webhook), then processed; a body Meta retries is stored once.';
CREATE UNIQUE INDEX webhook_events_body_key ON webhook_events (deployment_id, body_sha256);
CREATE INDEX webhook_events_pending_idx ON webhook_events (next_attempt_at, id) WHERE processed_at IS NULL;

CREATE TABLE contacts (
  id                            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id                 text NOT NULL REFERENCES deployments (id),
  wa_id                         text CHECK (wa_id ~ '^[0-9]{5,20}$'),
  user_id                       text CHECK (char_length(user_id) BETWEEN 1 AND 128),
  profile_name                  text CHECK (char_length(profile_name) <= 256),
  last_inbound_at               timestamptz(3),
  last_referral_inbound_at      timestamptz(3),
  first_reply_after_referral_at timestamptz(3),
  marketing_preference          text CHECK (marketing_preference IN ('stop', 'resume')),
  marketing_preference_at       timestamptz(3),
  created_at                    timestamptz(3) NOT NULL DEFAULT now(),
  updated_at                    timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (wa_id IS NOT NULL OR user_id IS NOT NULL),
  CHECK ((marketing_preference IS NULL) = (marketing_preference_at IS NULL))
);
COMMENT ON TABLE contacts IS 'A WhatsApp user as one deployment knows them, keyed by phone (wa_id), business-scoped user id, or both once linked; holds the activity the window rules (shared/src/windows.ts) are computed from.';
CREATE UNIQUE INDEX contacts_wa_id_key ON contacts (deployment_id, wa_id) WHERE wa_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_user_id_key ON contacts (deployment_id, user_id) WHERE user_id IS NOT NULL;

CREATE TABLE inbound_messages (
  deployment_id    text NOT NULL REFERENCES deployments (id),
  wamid            text NOT NULL CHECK (char_length(wamid) BETWEEN 1 AND 512),
  contact_id       bigint NOT NULL REFERENCES contacts (id),
  type             text NOT NULL,
  sent_at          timestamptz(3) NOT NULL,
  text_body        text,
  referral         jsonb,
  payload          jsonb NOT NULL,
  webhook_event_id bigint NOT NULL REFERENCES webhook_events (id),
  PRIMARY KEY (deployment_id, wamid)
);
COMMENT ON TABLE inbound_messages IS 'Messages customers sent, once each however often Meta delivers them; sent_at is Meta''s timestamp, which opens the customer service window.';
CREATE INDEX inbound_messages_contact_idx ON inbound_messages (contact_id, sent_at);

CREATE TABLE message_statuses (
  deployment_id            text NOT NULL REFERENCES deployments (id),
  wamid                    text NOT NULL CHECK (char_length(wamid) BETWEEN 1 AND 512),
  status                   text NOT NULL CHECK (char_length(status) BETWEEN 1 AND 64),
  occurred_at              timestamptz(3) NOT NULL,
  recipient_wa_id          text,
  recipient_user_id        text,
  pricing                  jsonb,
  errors                   jsonb,
  biz_opaque_callback_data text,
  payload                  jsonb NOT NULL,
  webhook_event_id         bigint NOT NULL REFERENCES webhook_events (id),
  PRIMARY KEY (deployment_id, wamid, status)
);
COMMENT ON TABLE message_statuses IS 'Delivery statuses of messages the business sent, one row per message and status however often or late Meta reports it; the current status is the furthest one (sent < delivered < read; failed ends it), so a late delivered never moves a message back.';
CREATE INDEX message_statuses_callback_idx ON message_statuses (deployment_id, biz_opaque_callback_data) WHERE biz_opaque_callback_data IS NOT NULL;

CREATE TABLE deployment_events (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id    text NOT NULL REFERENCES deployments (id),
  kind             text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
  field            text,
  occurred_at      timestamptz(3),
  payload          jsonb NOT NULL,
  webhook_event_id bigint NOT NULL REFERENCES webhook_events (id),
  position         integer NOT NULL CHECK (position >= 0),
  UNIQUE (webhook_event_id, position)
);
COMMENT ON TABLE deployment_events IS 'Everything else Meta reports for a deployment (template status, category and quality, phone number quality and limits, account updates, marketing preferences, and changes we do not model or could not read), kept as received.';
CREATE INDEX deployment_events_kind_idx ON deployment_events (deployment_id, kind, id);
