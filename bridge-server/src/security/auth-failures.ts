import { type Kysely, sql } from 'kysely';
import type { Schema } from '../storage/schema.js';

const windowMs = 60_000;
/** Failures are only ever compared with the current minute; an hour of history is ample for forensics. */
const retentionMs = 60 * 60_000;

/**
 * Counts failed authentications per client in one-minute windows, in the database so that every bridge
 * replica sees the same count. A client over the limit is refused until the window ends.
 */
export class AuthFailureLimiter {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly failuresPerMinute: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Seconds until the client may try again, or 0 when it is not locked out. */
  async retryAfterSeconds(clientKey: string): Promise<number> {
    const windowStart = this.windowStart();
    const row = await this.db
      .selectFrom('auth_failures')
      .select('failures')
      .where('client_key', '=', clientKey)
      .where('window_start', '=', windowStart)
      .executeTakeFirst();
    return this.retryAfterSecondsOf(row?.failures ?? 0, windowStart);
  }

  /**
   * The same, from the client's failures in the current window read by the caller (the authenticator reads them in
   * the query that looks its token up: one query a request instead of two).
   */
  retryAfterSecondsOf(failuresInWindow: number, windowStart: Date): number {
    if (failuresInWindow < this.failuresPerMinute) return 0;
    return Math.max(1, Math.ceil((windowStart.getTime() + windowMs - this.now().getTime()) / 1000));
  }

  async recordFailure(clientKey: string): Promise<void> {
    const windowStart = this.windowStart();
    await this.db
      .insertInto('auth_failures')
      .values({ client_key: clientKey, window_start: windowStart, failures: 1 })
      .onConflict((conflict) =>
        conflict.columns(['client_key', 'window_start']).doUpdateSet({ failures: sql`auth_failures.failures + 1` }),
      )
      .execute();
    await this.db
      .deleteFrom('auth_failures')
      .where('client_key', '=', clientKey)
      .where('window_start', '<', new Date(windowStart.getTime() - retentionMs))
      .execute();
  }

  /** The start of the current one-minute window, the key failures are counted under. */
  windowStart(): Date {
    const now = this.now().getTime();
    return new Date(now - (now % windowMs));
  }
}
