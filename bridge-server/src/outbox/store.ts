import type { Transaction } from 'kysely';
import * as z from 'zod';
import { jobKinds } from '../jobs/kinds.js';
import { enqueueJob, type JobRow } from '../jobs/store.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';

/** What a `send_text` job sends, and why (kept for whoever reads the job later). */
export const sendTextPayload = z.object({
  to: z.string(),
  body: z.string().min(1),
  cause: z.object({ kind: z.string(), inbound_wamid: z.string().nullable(), keyword: z.string().nullable() }),
});

/** The job's payload: the text, the deployment that sends it, and the message id it is recorded under. */
export const sendTextJobPayload = sendTextPayload.extend({
  deployment_id: z.string(),
  message_id: z.string().regex(/^msg_[0-9a-z]{24}$/),
});

export type SendTextPayload = z.infer<typeof sendTextPayload>;
export type SendTextJobPayload = z.infer<typeof sendTextJobPayload>;

/**
 * Queues a text to a customer. Call it inside the transaction that decided the text is due, so the reply
 * exists exactly when that decision was committed. The message id is chosen here, once: the handler records
 * the message under it before calling Meta, which is what makes the send idempotent across crashes.
 */
export async function enqueueText(
  transaction: Transaction<Schema>,
  row: { accountId: string; deploymentId: string; payload: SendTextPayload },
): Promise<JobRow> {
  const payload: SendTextJobPayload = {
    ...sendTextPayload.parse(row.payload),
    deployment_id: row.deploymentId,
    message_id: newId('msg'),
  };
  const job = await enqueueJob(transaction, { kind: jobKinds.sendText, accountId: row.accountId, payload });
  if (job === undefined) throw new Error('a send_text job has no dedupe key: it cannot conflict');
  return job;
}
