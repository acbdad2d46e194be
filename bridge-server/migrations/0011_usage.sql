-- Usage and reconciliation: Meta's own word on whether each metered message was billed, kept beside our
-- settlement of it (message_charges) so that the two can be compared, and the index the period reports read.

CREATE TABLE message_billing_reports (
  message_id    text PRIMARY KEY REFERENCES message_charges (message_id),
  billable      boolean NOT NULL,
  pricing_model text,
  pricing_type  text,
  category      text,
  status        text NOT NULL CHECK (char_length(status) BETWEEN 1 AND 64),
  reported_at   timestamptz(3) NOT NULL,
  updated_at    timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (status = 'failed' OR pricing_model IS NOT NULL),
  CHECK (status <> 'failed' OR NOT billable)
);
COMMENT ON TABLE message_billing_reports IS 'Per metered message, Meta''s latest word on its billing: billable (pricing.type regular, or pricing.billable when Meta sends no type; a failed status is not billable), pricing model, type and category as reported (category lower case), and the status that carried it. Latest by Meta''s timestamp, then by how far the status goes (sent < delivered < read < failed), so duplicated and reordered webhooks leave the same row. Written with the settlement in the webhook''s transaction; compared with message_charges by GET /v1/wallet/reconciliation.';

-- Charges settled before this table existed: their reports, rebuilt from the statuses kept in message_statuses
-- by the same rule (pricing was stored as our normalised Pricing object: billable, pricingModel, type, category).
INSERT INTO message_billing_reports (message_id, billable, pricing_model, pricing_type, category, status, reported_at)
SELECT DISTINCT ON (c.message_id)
  c.message_id,
  CASE
    WHEN s.status = 'failed' THEN false
    WHEN s.pricing ->> 'type' IS NULL THEN coalesce((s.pricing ->> 'billable')::boolean, false)
    ELSE s.pricing ->> 'type' = 'regular'
  END,
  s.pricing ->> 'pricingModel',
  s.pricing ->> 'type',
  lower(s.pricing ->> 'category'),
  s.status,
  s.occurred_at
FROM message_charges c
JOIN messages m ON m.id = c.message_id
JOIN message_statuses s ON s.deployment_id = m.deployment_id AND s.wamid = m.wamid
WHERE s.status = 'failed' OR (s.pricing IS NOT NULL AND s.pricing ->> 'pricingModel' IS NOT NULL)
ORDER BY c.message_id, s.occurred_at DESC,
  array_position(ARRAY['sent', 'delivered', 'read', 'played', 'failed'], s.status) DESC NULLS LAST;

-- The usage and reconciliation reports: one account's charges in a period, in send order (the keyset of their pages).
CREATE INDEX message_charges_account_period_idx ON message_charges (account_id, created_at, message_id);
