import type { Kysely, Selectable, Transaction } from 'kysely';
import * as z from 'zod';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';

type Database = Kysely<Schema> | Transaction<Schema>;
export type OutboxRow = Selectable<Schema['outbox']>;

/** What a `send_text` row sends, and why (kept for whoever reads the outbox later). */
export const sendTextPayload = z.object({
  to: z.string(),
  body: z.string().min(1),
  cause: z.object({ kind: z.string(), inbound_wamid: z.string().nullable(), keyword: z.string().nullable() }),
});

export type SendTextPayload = z.infer<typeof sendTextPayload>;

/**
 * Queues a text to a customer. Call it inside the transaction that decided the text is due, so the reply
 * exists exactly when that decision was committed. The message id is chosen here, once: the worker records
 * the message under it before calling Meta, which is what makes the send idempotent across crashes.
 */
export async function enqueueText(
  transaction: Transaction<Schema>,
  row: { accountId: string; deploymentId: string; payload: SendTextPayload },
): Promise<OutboxRow> {
  return transaction
    .insertInto('outbox')
    .values({
      kind: 'send_text',
      account_id: row.accountId,
      deployment_id: row.deploymentId,
      message_id: newId('msg'),
      payload: JSON.stringify(sendTextPayload.parse(row.payload)),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function outboxRowsOf(db: Database, deploymentId: string): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().where('deployment_id', '=', deploymentId).orderBy('id').execute();
}
