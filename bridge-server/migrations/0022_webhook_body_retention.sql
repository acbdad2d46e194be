-- Retention of raw webhook bodies (issue 16): 1 M stored webhooks take ~1.2 GB, most of it bodies nobody reads again
-- once applied. Every event a body carried is kept as its own row with its own payload (inbound_messages,
-- message_statuses, deployment_events: what the conversation, reconciliation and audits read), so a processed body
-- older than WEBHOOK_BODY_RETENTION_DAYS is pruned (webhooks/retention.ts): set to NULL, with the time it was pruned.
-- The row, its body_sha256 (a retried body is still recognised and stored once) and its processing record stay.
-- A body not yet processed, or dead-lettered, is never pruned: it is the only copy of what Meta sent.
ALTER TABLE webhook_events ALTER COLUMN body DROP NOT NULL;
ALTER TABLE webhook_events ADD COLUMN body_pruned_at timestamptz(3);
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_body_pruned_processed
  CHECK ((body IS NULL) = (body_pruned_at IS NOT NULL) AND (body IS NOT NULL OR processed_at IS NOT NULL));
COMMENT ON COLUMN webhook_events.body_pruned_at IS 'When the processed body was pruned by the retention rule (webhooks/retention.ts); NULL while the body is kept.';
-- The pruner's range: processed bodies still kept, oldest first.
CREATE INDEX webhook_events_body_retention_idx ON webhook_events (processed_at)
  WHERE body IS NOT NULL AND processed_at IS NOT NULL;
