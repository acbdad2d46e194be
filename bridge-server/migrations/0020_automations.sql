-- Helpdesk automations (issue #13): Zendesk triggers and automations, Zoho Desk workflow rules, window reminders.

-- Who asked for a message: an agent through the panel or the API, the bridge itself, or a helpdesk automation.
ALTER TABLE messages ADD COLUMN source text NOT NULL DEFAULT 'agent'
  CHECK (source IN ('agent', 'bridge', 'zendesk_automation', 'zoho_workflow'));
ALTER TABLE messages ADD COLUMN automation text CHECK (char_length(automation) BETWEEN 1 AND 64);
ALTER TABLE messages ADD CHECK ((source IN ('zendesk_automation', 'zoho_workflow')) = (automation IS NOT NULL));
COMMENT ON COLUMN messages.source IS 'Who asked for the message: agent (panel or API), bridge (outbox), or a helpdesk automation (its name in automation).';

-- How the bridge reaches an installation's helpdesk API to write internal notes, and checks its automations.
CREATE TABLE helpdesk_connections (
  installation_id          text PRIMARY KEY REFERENCES installations (id),
  -- https://{subdomain}.zendesk.com, or Zoho's api_domain (the sandboxes' URLs in tests and the demo).
  api_url                  text NOT NULL CHECK (api_url ~ '^https?://'),
  -- Zendesk: {"email","api_token"}; Zoho: {"accounts_url","client_id","client_secret","refresh_token"}; sealed.
  credentials_sealed       text NOT NULL,
  -- The Zendesk webhook's signing secret (Admin Center → Webhooks → Reveal secret), sealed; null for Zoho.
  webhook_secret_sealed    text,
  -- The helpdesk's language: notes are written in it.
  locale                   text NOT NULL CHECK (locale IN ('en', 'ja')),
  updated_at               timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE helpdesk_connections IS 'An installation''s helpdesk API access (credentials and Zendesk webhook secret sealed at rest) and language, for automations'' internal notes.';

-- One row per automation delivery: Zendesk may deliver a trigger twice, Zoho may call a workflow twice.
CREATE TABLE automation_runs (
  id               text PRIMARY KEY CHECK (id ~ '^aut_[0-9a-z]{24}$'),
  installation_id  text NOT NULL REFERENCES installations (id),
  account_id       text NOT NULL REFERENCES accounts (id),
  delivery_key     text NOT NULL CHECK (char_length(delivery_key) BETWEEN 1 AND 200),
  source           text NOT NULL CHECK (source IN ('zendesk_automation', 'zoho_workflow')),
  automation       text NOT NULL CHECK (char_length(automation) BETWEEN 1 AND 64),
  ticket_id        text NOT NULL CHECK (char_length(ticket_id) BETWEEN 1 AND 128),
  request          jsonb NOT NULL,
  state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'refused')),
  message_id       text REFERENCES messages (id),
  refusal_code     text,
  refusal_detail   text,
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  finished_at      timestamptz(3),
  UNIQUE (installation_id, delivery_key)
);
COMMENT ON TABLE automation_runs IS 'An automation''s send request as delivered (once per delivery key), and what became of it: sent (its message) or refused (why).';

-- Window reminders: per account, N minutes before a customer's window closes.
CREATE TABLE automation_settings (
  account_id               text PRIMARY KEY REFERENCES accounts (id),
  window_reminder_minutes  integer CHECK (window_reminder_minutes BETWEEN 5 AND 1380),
  updated_at               timestamptz(3) NOT NULL DEFAULT now()
);
COMMENT ON TABLE automation_settings IS 'Per-account automation settings: the window reminder (minutes before the 24-hour window closes; null = off).';

CREATE TABLE window_reminders (
  deployment_id     text NOT NULL REFERENCES deployments (id),
  recipient_phone   text NOT NULL CHECK (recipient_phone ~ '^\+[1-9][0-9]{6,14}$'),
  -- The customer's message that opened the window: one reminder per window, whichever replica gets there first.
  window_opened_at  timestamptz(3) NOT NULL,
  installation_id   text NOT NULL REFERENCES installations (id),
  ticket_id         text NOT NULL,
  closes_at         timestamptz(3) NOT NULL,
  created_at        timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment_id, recipient_phone, window_opened_at)
);
COMMENT ON TABLE window_reminders IS 'Window reminders written (the panel shows the latest); the key makes one per customer window across replicas.';
