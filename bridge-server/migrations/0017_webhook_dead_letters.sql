-- A stored webhook that keeps failing to apply stops being retried after a bounded number of attempts: it is
-- dead-lettered (kept, with its last error, for an operator to look at and replay) instead of retried forever.
ALTER TABLE webhook_events ADD COLUMN dead_lettered_at timestamptz(3);
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_dead_letter_unprocessed
  CHECK (dead_lettered_at IS NULL OR processed_at IS NULL);
COMMENT ON COLUMN webhook_events.dead_lettered_at IS 'When processing gave up on this webhook after its last allowed attempt (webhooks/processor.ts); NULL while it is processed or still retried. Clearing it (and next_attempt_at) replays it.';

-- The processor claims only what is due and not dead-lettered; the old index kept dead letters in its range.
DROP INDEX webhook_events_pending_idx;
CREATE INDEX webhook_events_pending_idx ON webhook_events (next_attempt_at, id)
  WHERE processed_at IS NULL AND dead_lettered_at IS NULL;
CREATE INDEX webhook_events_dead_letter_idx ON webhook_events (dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;
