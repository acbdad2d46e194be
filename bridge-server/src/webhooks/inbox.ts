import type { Kysely } from 'kysely';
import type { Schema } from '../storage/schema.js';

export interface InboxRow {
  deployment_id: string;
  body: Buffer;
  body_sha256: string;
  /** Defaults to now: when a journal acknowledged it earlier, that time. */
  received_at?: Date;
}

/** Stores webhook bodies in one INSERT; a body Meta sent twice (also twice in one batch) is stored once. */
export async function insertWebhooks(db: Kysely<Schema>, rows: InboxRow[]): Promise<void> {
  await db
    .insertInto('webhook_events')
    .values(rows)
    .onConflict((conflict) => conflict.columns(['deployment_id', 'body_sha256']).doNothing())
    .execute();
}

interface PendingWebhook {
  row: InboxRow;
  stored: () => void;
  failed: (error: unknown) => void;
}

/**
 * Rows per INSERT: enough to absorb a burst (Meta sends up to a few hundred webhooks a second per number)
 * while keeping each statement small (3 parameters a row).
 */
const batchRowsMax = 200;

/**
 * The durable inbox, with group commit: webhooks that arrive while a write is under way are written
 * together by the next one, in one INSERT and one commit, instead of one commit each. Each request still
 * resolves only after its own row is committed, so nothing is acknowledged to Meta before it is stored.
 * There is no timer: a lone webhook is written at once; batches form only under load.
 */
export class WebhookInbox {
  readonly #pending: PendingWebhook[] = [];
  #writing = false;

  constructor(private readonly db: Kysely<Schema>) {}

  store(row: PendingWebhook['row']): Promise<void> {
    return new Promise((stored, failed) => {
      this.#pending.push({ row, stored, failed });
      void this.#write();
    });
  }

  async #write(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, batchRowsMax);
        try {
          await insertWebhooks(
            this.db,
            batch.map((pending) => pending.row),
          );
          for (const pending of batch) pending.stored();
        } catch (error) {
          for (const pending of batch) pending.failed(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
