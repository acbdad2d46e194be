import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Schema } from '../storage/schema.js';

/** Bodies age on a scale of days: looking every ten minutes is cheap (one index probe when nothing is due). */
const pollIntervalMs = 10 * 60_000;

/**
 * Bodies pruned per statement: a short transaction (a few thousand TOAST rows at most) that never holds many row
 * locks, repeated at once while more are due, so a backlog of days (the first run on a large database) drains in
 * steps with the event loop turning between them.
 */
export const pruneBatchSize = 1_000;

/**
 * The retention rule for raw webhook bodies (migration 0022): a body processed more than `retentionDays` ago is set
 * to NULL, with `body_pruned_at`. What stays: the webhook's row (id, deployment, body_sha256 so that a body Meta
 * sends again is still stored once, when it was received and processed), and every event the body carried, each
 * as its own row with its own raw payload: inbound_messages, message_statuses (with Meta's pricing, which the
 * reconciliation compares) and deployment_events. What is never pruned: a body not yet processed, or dead-lettered
 * (the only copy of what Meta sent, for the processor or an operator's replay).
 *
 * Every bridge process runs it; SKIP LOCKED keeps two from pruning the same rows, and pruning twice changes nothing.
 * Space: PostgreSQL reuses the freed TOAST pages after (auto)vacuum; the file shrinks only with VACUUM FULL.
 */
export class WebhookBodyPruner extends BackgroundWorker {
  /** Bodies this process pruned since it started. */
  prunedTotal = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    logger: Logger,
    private readonly options: { retentionDays: number; now?: () => Date; batchSize?: number },
  ) {
    super({ name: 'webhook body retention', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    const batchSize = this.options.batchSize ?? pruneBatchSize;
    return (await this.pruneOnce()) >= batchSize ? 'busy' : 'idle';
  }

  /** The bodies processed before this instant are due. */
  cutoff(): Date {
    const now = this.options.now?.() ?? new Date();
    return new Date(now.getTime() - this.options.retentionDays * 86_400_000);
  }

  /** Prunes up to a batch of the oldest due bodies; answers how many. */
  async pruneOnce(): Promise<number> {
    const cutoff = this.cutoff();
    const batchSize = this.options.batchSize ?? pruneBatchSize;
    const pruned = await this.db
      .updateTable('webhook_events')
      .set({ body: null, body_pruned_at: sql<Date>`statement_timestamp()` })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_events')
          .select('id')
          .where('body', 'is not', null)
          .where('processed_at', 'is not', null)
          .where('processed_at', '<', cutoff)
          .orderBy('processed_at')
          .limit(batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .executeTakeFirst();
    const count = Number(pruned.numUpdatedRows);
    this.prunedTotal += count;
    return count;
  }

  /** Prunes everything due now, batch by batch (tools and tests); answers how many. */
  async pruneDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.pruneOnce();
      total += count;
      if (count < (this.options.batchSize ?? pruneBatchSize)) return total;
    }
  }
}
