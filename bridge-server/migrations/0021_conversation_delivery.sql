-- Conversations delivered to the helpdesks (issue #11): which installation receives a number's conversations, the
-- business's own messages in the helpdesk feed, and Zendesk push.

-- Routing: per helpdesk, the installation of a deployment that receives its conversations (a number may serve a
-- Zendesk and a Zoho Desk account at once). NULL: the deployment's oldest live installation of that helpdesk.
ALTER TABLE deployments ADD COLUMN conversations_zendesk_installation_id text REFERENCES installations (id);
ALTER TABLE deployments ADD COLUMN conversations_zoho_installation_id text REFERENCES installations (id);
COMMENT ON COLUMN deployments.conversations_zendesk_installation_id IS 'The Zendesk installation that receives this number''s conversations (pull and push); NULL: the oldest live Zendesk installation of the deployment (conversations/routing.ts).';
COMMENT ON COLUMN deployments.conversations_zoho_installation_id IS 'The Zoho Desk installation that receives this number''s conversations; NULL: the oldest live Zoho Desk installation of the deployment (conversations/routing.ts).';

-- The business's messages join the helpdesk feed once Meta accepted them, in the order of the transaction that learnt
-- it (the same cursor as inbound_messages.recorded_xid). Messages sent before this migration stay out of the feed.
ALTER TABLE messages ADD COLUMN accepted_xid xid8;
COMMENT ON COLUMN messages.accepted_xid IS 'The transaction that recorded Meta''s wamid (pg_current_xact_id); the helpdesk feed''s order for the business''s messages (conversations/store.ts).';
-- A reply an agent wrote in a helpdesk's own composer is already on the ticket: the feed leaves it out.
ALTER TABLE messages ADD COLUMN channel_reply text CHECK (channel_reply IN ('zendesk', 'zoho'));
COMMENT ON COLUMN messages.channel_reply IS 'Sent as a helpdesk channel reply (Zendesk channelback, Zoho Desk reply push): already on the ticket, so never fed back to that helpdesk.';
CREATE INDEX messages_feed_idx ON messages (deployment_id, accepted_xid, wamid) WHERE accepted_xid IS NOT NULL;

-- The Zendesk API origin of a link: the origin of the admin UI's return_url (https://<subdomain>.zendesk.com, or a
-- configured sandbox origin). NULL for links made before: https://<subdomain>.zendesk.com.
ALTER TABLE zendesk_channel_links ADD COLUMN api_origin text CHECK (api_origin ~ '^https?://[^/?#]+$');
COMMENT ON COLUMN zendesk_channel_links.api_origin IS 'Where the link''s Zendesk API is (push, attachments): the return_url''s origin; NULL means https://<subdomain>.zendesk.com.';
