-- Payment checks move onto the jobs primitive (issue #17): a pending payment's reconciliation is a `payment_check`
-- job, enqueued in the transaction that records the payment, claimed with a lease on the database's clock and
-- retried with backoff like every other call to another system. The payments table no longer carries its own
-- claim-and-lease columns.

-- Every payment still pending gets its check, due when its own check was (attempts carried over).
INSERT INTO jobs (kind, account_id, payload, attempts, attempts_max, next_attempt_at, dedupe_key)
SELECT 'payment_check', account_id, jsonb_build_object('payment_id', id), least(checks, 999), 1000, next_check_at,
       'payment_check:' || id
FROM payments WHERE state = 'pending' ORDER BY created_at, id
ON CONFLICT (dedupe_key) DO NOTHING;

DROP INDEX payments_due_check_idx;
ALTER TABLE payments DROP COLUMN checks;
ALTER TABLE payments DROP COLUMN next_check_at;

COMMENT ON COLUMN jobs.dedupe_key IS 'Enqueueing the same work twice is harmless. payment_check:<payment id> is the one check of a pending payment: its next_attempt_at is when the provider is next asked (shown as the payment''s next_check_at).';
