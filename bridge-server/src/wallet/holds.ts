import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Schema } from '../storage/schema.js';
import { expireOldestHold } from './settlement.js';

/** Holds expire on a scale of days: looking every five minutes is cheap (one indexed query) and prompt enough. */
const pollIntervalMs = 5 * 60_000;

/**
 * Returns the holds Meta has not priced within WALLET_HOLD_TIMEOUT_HOURS (config.ts says why 8 days), one charge
 * per step, on every bridge process (each step locks its charge with SKIP LOCKED, so processes never expire the
 * same hold twice). The rule for what comes after: Meta's billable status arriving later is still captured, once,
 * from the available balance (never beyond it: the rest is recorded as uncollected); a free or failed status
 * arriving later moves nothing, since the points are back already.
 */
export class HoldSweeper extends BackgroundWorker {
  constructor(
    private readonly db: Kysely<Schema>,
    logger: Logger,
    private readonly options: { timeoutHours: number; now?: () => Date },
  ) {
    super({ name: 'hold sweeper', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    return (await this.expireOne()) ? 'busy' : 'idle';
  }

  /** Expires the oldest hold past the timeout; false when there is none. */
  async expireOne(): Promise<boolean> {
    const { timeoutHours } = this.options;
    const now = this.options.now?.() ?? new Date();
    return expireOldestHold(
      this.db,
      new Date(now.getTime() - timeoutHours * 3_600_000),
      `Meta had not priced it ${timeoutHours} hours after the send: hold returned (if Meta bills it later, it is captured then)`,
    );
  }
}
