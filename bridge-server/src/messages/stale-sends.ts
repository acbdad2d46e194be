import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Schema } from '../storage/schema.js';

/** Stale sends are rare (a process died mid-send): a look a minute is prompt next to the five-minute lease. */
const pollIntervalMs = 60_000;

/**
 * A message is recorded ('sending') before Meta is called. If the process dies before Meta answers, nothing moves it
 * on: it may have reached Meta or not. Once it is older than the Idempotency-Key claim lease (no live request can
 * still be sending it: a retry would have taken the key over by then), it becomes outcome_unknown, as a send whose
 * answer was lost does. It is never sent again; a status webhook carrying our id settles it if Meta accepted it, and
 * its hold, if Meta never prices it, is returned by the hold timeout. One UPDATE: replicas racing change each row once.
 */
export class StaleSendSweeper extends BackgroundWorker {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly logger: Logger,
    private readonly options: { staleAfterMs: number },
  ) {
    super({ name: 'stale sends', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    await this.sweep();
    return 'idle';
  }

  /** Moves every message 'sending' for longer than the lease to outcome_unknown; answers their ids. */
  async sweep(): Promise<string[]> {
    const rows = await this.db
      .updateTable('messages')
      .set({ state: 'outcome_unknown', updated_at: sql<Date>`now()` })
      .where('state', '=', 'sending')
      .where('created_at', '<', new Date(Date.now() - this.options.staleAfterMs))
      .returning('id')
      .execute();
    const ids = rows.map((row) => row.id);
    if (ids.length > 0) {
      this.logger.warn({ messageIds: ids }, 'sends left unanswered by a stopped process: outcome unknown until Meta reports');
    }
    return ids;
  }
}
