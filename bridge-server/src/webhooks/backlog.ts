import { type Kysely, sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';

/** How long a count of the backlog is used before it is taken again: a few per second, whatever the request rate. */
const countTtlMs = 250;
/** Meta retries an unacknowledged webhook with growing delays; this asks for at least this many seconds. */
export const backlogRetryAfterSeconds = 10;

/**
 * Admission control for Meta's webhooks (issue 16): once more acknowledged webhooks wait to be applied than
 * `WEBHOOK_BACKLOG_MAX`, new ones are refused with 503 and Retry-After instead of stored. Meta keeps a refused webhook
 * and delivers it again later (for up to 7 days), so nothing is lost; what the bridge has acknowledged stays a bounded
 * amount of work behind, so the panels' windows and statuses stay a bounded time stale however much is offered.
 *
 * The count is the processor's own index (pending, not dead-lettered), read at most every 250 ms and never past the
 * bound (`LIMIT max + 1`), so it costs at most `max` index entries however long the backlog; on PGlite the journal's
 * webhooks not yet moved count too. The request that finds the count stale waits for the next one (shared by those
 * arriving meanwhile): one short read per period, and the bound is exceeded by at most what arrives within a period.
 */
export class WebhookBacklog {
  #counted = 0;
  #countedAtMs = Number.NEGATIVE_INFINITY;
  #counting: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly max: number,
    private readonly journalBacklog: () => number = () => 0,
  ) {}

  /** Throws webhook_backlog_full when the backlog is over the bound; counts it first when the last count is stale. */
  async admit(): Promise<void> {
    if (this.max === 0) return;
    if (performance.now() - this.#countedAtMs > countTtlMs) await this.refresh();
    if (this.#counted + this.journalBacklog() > this.max) {
      throw new DomainError(
        'webhook_backlog_full',
        `More than ${this.max} acknowledged webhooks are waiting to be applied; this one was not stored. Meta delivers it again later.`,
        {},
        { retryAfterSeconds: backlogRetryAfterSeconds },
      );
    }
  }

  /** Counts the backlog now (at most `max + 1`); concurrent callers share one count. */
  refresh(): Promise<void> {
    this.#counting ??= (async () => {
      try {
        const row = await sql<{ count: string }>`
          select count(*) as count from (
            select 1 from webhook_events where processed_at is null and dead_lettered_at is null limit ${this.max + 1}
          ) as pending`.execute(this.db);
        this.#counted = Number(row.rows[0]?.count ?? 0);
        this.#countedAtMs = performance.now();
      } catch {
        // The database is away: ingestion answers database_unavailable on its own; admit on the last count.
      } finally {
        this.#counting = undefined;
      }
    })();
    return this.#counting;
  }
}
