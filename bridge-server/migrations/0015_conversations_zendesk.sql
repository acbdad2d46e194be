-- The conversation with each customer as one timeline, and Zendesk's Channel framework on top of it.

-- Which transaction recorded each customer message. A helpdesk pulls new messages with a cursor; an identity or a
-- timestamp would let the cursor skip a message whose transaction committed after a later one (webhooks are applied
-- by several processors and retried out of order). A cursor over (recorded_xid, wamid) that stops below the oldest
-- transaction of this database still running never passes a message that could still appear.
ALTER TABLE inbound_messages ADD COLUMN recorded_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
COMMENT ON COLUMN inbound_messages.recorded_xid IS 'The recording transaction (pg_current_xact_id); the order helpdesk pull cursors follow (conversations/store.ts).';
CREATE INDEX inbound_messages_feed_idx ON inbound_messages (deployment_id, recorded_xid, wamid);
-- The panel's conversation reads both directions by customer and time.
CREATE INDEX messages_recipient_idx ON messages (deployment_id, recipient_phone, created_at);

CREATE TABLE zendesk_channel_links (
  id                     text PRIMARY KEY CHECK (id ~ '^zcl_[0-9a-z]{24}$'),
  installation_id        text NOT NULL REFERENCES installations (id),
  subdomain              text NOT NULL CHECK (char_length(subdomain) BETWEEN 1 AND 255),
  name                   text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  locale                 text NOT NULL CHECK (char_length(locale) BETWEEN 2 AND 16),
  signing_key_sealed     text NOT NULL,
  instance_push_id       text CHECK (char_length(instance_push_id) BETWEEN 1 AND 255),
  push_token_sealed      text,
  -- Messages recorded before the link are not imported: the first pull starts here.
  start_xid              xid8 NOT NULL DEFAULT pg_current_xact_id(),
  created_at             timestamptz(3) NOT NULL DEFAULT now(),
  removed_at             timestamptz(3),
  -- A push token is only ever issued with the account's push id.
  CHECK (push_token_sealed IS NULL OR instance_push_id IS NOT NULL)
);
COMMENT ON TABLE zendesk_channel_links IS 'A Zendesk account (Channel framework integration instance) linked to a deployment through one of its installations; Zendesk''s metadata names the link and carries an HMAC under signing_key (sealed), and the push token is sealed too.';
CREATE INDEX zendesk_channel_links_installation_idx ON zendesk_channel_links (installation_id);

CREATE TABLE zendesk_channel_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  link_id     text NOT NULL REFERENCES zendesk_channel_links (id),
  type_id     text NOT NULL CHECK (char_length(type_id) BETWEEN 1 AND 128),
  occurred_at timestamptz(3),
  -- Only instance events carry metadata; the others are matched to the link by subdomain and account name.
  verified    boolean NOT NULL,
  payload     jsonb NOT NULL,
  received_at timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE zendesk_channel_events IS 'Event callbacks Zendesk posted about a link (instance created or removed, pulls, resources created, failed channelbacks), kept as received; verified when the event carried the link''s signed metadata.';
CREATE INDEX zendesk_channel_events_link_idx ON zendesk_channel_events (link_id, id);
