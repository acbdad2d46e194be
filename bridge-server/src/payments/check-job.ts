import * as z from 'zod';
import { type JobHandler, jobDone, jobRetry } from '../jobs/runner.js';
import type { PaymentService } from './service.js';
import { paymentCheckAttemptsMax } from './store.js';

const checkPayload = z.object({ payment_id: z.string().min(1).max(100) });
type CheckPayload = z.infer<typeof checkPayload>;

/**
 * `payment_check` jobs: one per payment, written with it (payments/store.ts `insertPayment`). Each attempt asks the
 * provider about the payment and settles it by the answer; while it is pending (or the provider cannot be asked) the
 * job is retried with the payment's own backoff. A callback that settled the payment first makes the check a no-op.
 */
export function paymentCheckHandler(payments: PaymentService): JobHandler<CheckPayload> {
  return {
    payload: checkPayload,
    // Longer than any provider call takes: only a check whose process died is taken over.
    leaseMs: 2 * 60_000,
    attemptsMax: paymentCheckAttemptsMax,
    async run(job) {
      const result = await payments.check(job.payload.payment_id, job.attempts - 1);
      if (result.settled) return jobDone(result.state === 'settled_before' ? 'settled before this check' : null);
      return jobRetry(result.reason, { afterMs: result.afterMs });
    },
  };
}
