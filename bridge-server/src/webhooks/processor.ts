import { parseWebhook } from '@wabridge/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import { databaseNowAsStored, databaseNowPlus, jobsQueuedSoFar } from '../jobs/store.js';
import type { Schema } from '../storage/schema.js';
import { applyWebhookBatch, type ParsedWebhook } from './apply.js';
import { insertWebhooks } from './inbox.js';
import { type WebhookJournal, withinBytes } from './journal.js';

/**
 * How often each bridge process looks for stored webhooks nobody has processed: those left by a crash,
 * by another replica, or waiting for a retry. New webhooks do not wait for it: receiving one wakes the
 * processor at once. One second keeps recovery prompt for a query that is an index probe when idle.
 */
const pollIntervalMs = 1_000;
/** A webhook whose processing failed is retried after 2^attempts seconds, at most an hour apart. */
const retryDelayMsMax = 60 * 60_000;
/**
 * Attempts before a webhook that keeps failing is dead-lettered (webhook_events.dead_lettered_at) instead of retried:
 * with the delays above, 8 attempts span about 4 minutes (2 + 4 + … + 128 s), long enough to outlast a deployment
 * being fixed or a database blip, short enough that an operator sees it the same day in the metric.
 */
export const defaultAttemptsMax = 8;

/**
 * PostgreSQL errors that say two transactions collided, not that the webhook is bad: a deadlock (two
 * workers locking the same contacts in another order), a serialization failure, or a unique insert that
 * raced. Such a transaction is simply run again, a few times, before it counts as a failure.
 */
const transientCollisionCodes = new Set(['40P01', '40001', '23505']);
const collisionRetriesMax = 3;

/**
 * Webhooks per processing transaction on PostgreSQL. Statuses (most events) are recorded in one INSERT per batch,
 * so a large batch costs little more than a small one: 1,000 webhooks (~1,300 events) share one commit and a handful
 * of statements (chunked below PostgreSQL's parameter limit), and a batch still holds its contacts' row locks for
 * well under a second. Measured on a quiet machine (test/BENCHMARKS.md, session 9): the processor alone applied
 * 3,662 webhooks/s at 250 × 2, 4,306 at 500 × 1 and 5,593 at 1,000 × 1 (`npm run bench:drain -w test`), and one
 * bridge process under 2,000 events/s applied 1,403, 1,599 and 1,771 events/s. WEBHOOK_BATCH_SIZE overrides it.
 */
export const defaultBatchSize = 1000;

/**
 * Bytes of stored bodies a batch reads at most (Meta's bodies are ~1 KB, but may be up to 3 MB): a batch's memory
 * stays bounded whatever it claims. At least one webhook is always taken.
 */
export const defaultBodyBytesPerBatch = 32 * 1024 * 1024;

/**
 * Batches in flight per process on PostgreSQL. Two overlapped one batch's commit with the other's work, but
 * batches of one backlog name the same customers, so the second mostly waited for the first's row locks (session 9:
 * no gain once a status no longer locked its contact, and 2–3× the database time per statement at four in flight).
 * Several bridge processes still run one each, side by side. WEBHOOK_BATCHES_IN_FLIGHT overrides it.
 */
export const defaultParallelBatches = 1;

/**
 * On embedded PGlite, which runs its SQL on a thread of its own (storage/pglite-thread.ts), one connection serves
 * everything: a batch holds it from its claim to its commit, and a panel's read waits that long. With 250 webhooks a
 * batch, 1,000 events/s held for 60 s and 1,500 were all applied within half a second; 50 applied a quarter of 1,000
 * (each of a batch's statements waits for a turn of the bridge's busy event loop, and small batches spent their time
 * waiting), and 500 did no better than 250 while holding the connection twice as long (test/BENCHMARKS.md, session 11).
 */
export const pgliteProcessing = {
  batchSize: 250,
  parallelBatches: 1,
};

function isTransientCollision(error: unknown): boolean {
  return transientCollisionCodes.has((error as { code?: string }).code ?? '');
}

function retryDelayMs(attempts: number): number {
  return Math.min(retryDelayMsMax, 1000 * 2 ** Math.min(attempts, 22));
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

interface ClaimedWebhook {
  id: number;
  deployment_id: string;
  /** Never NULL here: the retention rule prunes processed bodies only (retention.ts). */
  body: Uint8Array | null;
  attempts: number;
}

type Parsed = { ok: true; webhook: ParsedWebhook } | { ok: false; id: number; attempts: number; error: Error };

/** The events of a stored body; a body that no longer parses (the parser changed since it was stored) fails alone. */
function parseStored(webhook: ClaimedWebhook): Parsed {
  try {
    if (webhook.body === null) throw new Error('stored webhook has no body (pruned)');
    const parsed = parseWebhook(JSON.parse(Buffer.from(webhook.body).toString('utf8')));
    if (parsed.ok) return { ok: true, webhook: { id: webhook.id, deploymentId: webhook.deployment_id, events: parsed.events } };
    return {
      ok: false,
      id: webhook.id,
      attempts: webhook.attempts,
      error: new Error(`stored webhook no longer parses: ${parsed.issues[0]?.message ?? 'unknown issue'}`),
    };
  } catch (error) {
    return {
      ok: false,
      id: webhook.id,
      attempts: webhook.attempts,
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}

/**
 * Processes stored Meta webhooks in set-based batches: a batch is claimed, read and marked processed in one statement
 * with FOR UPDATE SKIP LOCKED (so that several bridge processes on one database share the work without taking the
 * same webhook twice), and applied in the same transaction (apply.ts: statuses in one INSERT, routing in memory). Its
 * effects and its `processed_at` commit together, and every effect is keyed, so each webhook is applied
 * exactly once. A webhook that fails stays stored and is retried later, at most `attemptsMax` times; then it is
 * dead-lettered (kept, with its last error, out of the processor's way) and counted in /metrics.
 */
export class WebhookProcessor extends BackgroundWorker {
  /** Webhooks this process dead-lettered since it started (the metric reads the database's count too). */
  deadLetteredTotal = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly logger: Logger,
    private readonly options: {
      /**
       * Called after a batch that queued jobs committed (a keyword opt-out's confirmation, a push to a helpdesk): they
       * are visible now. A batch that queued none does not call it, so the job runner is not polled after each.
       */
      onCommitted?: () => void;
      /** Webhooks claimed and applied per transaction (default `defaultBatchSize`). */
      batchSize?: number;
      /** How often it looks for work nobody woke it for (default one second; WEBHOOK_POLL_INTERVAL_MS). */
      pollIntervalMs?: number;
      /** Bytes of stored bodies one batch reads at most (default `defaultBodyBytesPerBatch`). */
      bodyBytesPerBatch?: number;
      /** Batches in flight at once in this process (default `defaultParallelBatches`). */
      parallelBatches?: number;
      /** Attempts before a failing webhook is dead-lettered (default `defaultAttemptsMax`). */
      attemptsMax?: number;
      /** Webhooks acknowledged from a journal (on-disk PGlite): moved into webhook_events before processing. */
      journal?: WebhookJournal;
    } = {},
  ) {
    super({ name: 'webhook processing', pollIntervalMs: options.pollIntervalMs ?? pollIntervalMs, logger });
  }

  /**
   * Moves what the journal holds (at most a batch) and processes batches, in the same step: under steady load on
   * PGlite, processing keeps pace with arrivals instead of waiting until the journal is empty.
   */
  protected async step(): Promise<'idle' | 'busy'> {
    const moved = await this.moveFromJournal();
    const parallel = Math.max(1, this.options.parallelBatches ?? defaultParallelBatches);
    const outcomes = await Promise.all(Array.from({ length: parallel }, () => this.processBatch()));
    return moved > 0 || outcomes.some((outcome) => outcome !== 'idle') ? 'busy' : 'idle';
  }

  /** A webhook was just stored: process it now. */
  noteIngestion(): void {
    this.wake();
  }

  /** Nothing due in webhook_events, and nothing left in the journal (what another worker holds is its business). */
  protected override async nothingDue(): Promise<boolean> {
    const due = await this.db
      .selectFrom('webhook_events')
      .select('id')
      .where('processed_at', 'is', null)
      .where('dead_lettered_at', 'is', null)
      .where('next_attempt_at', '<=', databaseNowAsStored)
      .limit(1)
      .executeTakeFirst();
    return due === undefined && this.journalBacklog === 0;
  }

  /** Webhooks acknowledged from the journal and not yet in webhook_events. */
  get journalBacklog(): number {
    return this.options.journal?.backlog ?? 0;
  }

  /** The move from the journal in progress: moves run one after another. */
  #moving: Promise<unknown> = Promise.resolve();

  /**
   * Moves the oldest webhooks of the journal into webhook_events, in one INSERT of at most a batch and a batch's
   * bytes of bodies; answers how many. One move at a time: two at once (the loop's step and a `drain`) would peek the same records, and each would then forget its
   * count of them, the second count being records nobody had stored.
   */
  moveFromJournal(limit = this.options.batchSize ?? defaultBatchSize): Promise<number> {
    const move = this.#moving.then(async () => {
      const journal = this.options.journal;
      const records = withinBytes(journal?.peek(limit) ?? [], this.options.bodyBytesPerBatch ?? defaultBodyBytesPerBatch);
      if (journal === undefined || records.length === 0) return 0;
      await insertWebhooks(this.db, records);
      await journal.moved(records.length);
      return records.length;
    });
    this.#moving = move.catch(() => undefined);
    return move;
  }

  /**
   * Claims up to a batch of due webhooks and processes them in one transaction: one commit (one WAL flush on
   * PostgreSQL) for the batch. If applying fails, the batch rolls back and its webhooks are taken again one at a
   * time, so that only the failing one is recorded as failed and the others are applied.
   */
  async processBatch(batchSize = this.options.batchSize ?? defaultBatchSize): Promise<'processed' | 'failed' | 'idle'> {
    if (batchSize > 1) {
      try {
        const outcome = await this.#withCollisionRetries(() => this.#processAttempt(batchSize));
        if (outcome.kind !== 'batch_failed') return outcome.kind;
        for (let index = 0; index < outcome.claimed; index += 1) {
          if ((await this.processOne()) === 'idle') break;
        }
        return 'failed';
      } catch (error) {
        if (!isTransientCollision(error)) throw error;
        // Colliding batches again and again: smaller transactions collide less.
      }
    }
    return this.processOne();
  }

  /** Claims and processes the next due webhook alone. */
  async processOne(): Promise<'processed' | 'failed' | 'idle'> {
    const outcome = await this.#withCollisionRetries(() => this.#processAttempt(1));
    return outcome.kind === 'batch_failed' ? 'failed' : outcome.kind;
  }

  async #withCollisionRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let collision = 0; ; collision += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!isTransientCollision(error) || collision >= collisionRetriesMax) throw error;
        this.logger.debug({ err: error }, 'webhook processing collided with another worker; running it again');
      }
    }
  }

  async #processAttempt(
    limit: number,
  ): Promise<{ kind: 'processed' | 'failed' | 'idle' } | { kind: 'batch_failed'; claimed: number }> {
    let claimed: ClaimedWebhook[] = [];
    const jobsQueuedBefore = jobsQueuedSoFar();
    try {
      const outcome = await this.db.transaction().execute(async (transaction) => {
        claimed = await this.#claim(transaction, limit);
        if (claimed.length === 0) return 'idle' as const;
        const parsed = claimed.map(parseStored);
        const webhooks = parsed.flatMap((entry) => (entry.ok ? [entry.webhook] : []));
        // The claim marked them processed (at its statement's time: not now(), when this transaction began).
        await applyWebhookBatch(transaction, webhooks, this.logger);
        // A body that no longer parses fails the same way every time: record it without failing the others.
        for (const entry of parsed) if (!entry.ok) await this.#recordFailure(transaction, entry, entry.error);
        return webhooks.length === parsed.length ? ('processed' as const) : ('failed' as const);
      });
      if (outcome !== 'idle' && jobsQueuedSoFar() !== jobsQueuedBefore) this.options.onCommitted?.();
      return { kind: outcome };
    } catch (error) {
      if (claimed.length === 0 || isTransientCollision(error)) throw error;
      if (claimed.length > 1) return { kind: 'batch_failed', claimed: claimed.length };
      const webhook = claimed[0] as ClaimedWebhook;
      await this.db.transaction().execute((transaction) => this.#recordFailure(transaction, webhook, error));
      return { kind: 'failed' };
    }
  }

  /**
   * The oldest due webhooks nobody else holds, locked until this transaction ends, with their bodies, and marked
   * processed: one statement. At most `bodyBytesPerBatch` of bodies are read (the first webhook's always):
   * `octet_length` measures a stored body without reading it, and a running sum over the locked rows picks those that
   * fit. Those that did not fit stay locked, unmarked and unread until the commit, and come first in the next batch.
   *
   * Marking them processed here, inside the transaction that applies them, is what the UPDATE after the apply used
   * to do: if the apply fails the transaction rolls back and the marks with it, and a body that does not parse has
   * its mark taken off again (`#recordFailure`). So `processed_at` is when the batch was claimed by the transaction
   * that applied it, a few milliseconds before its commit.
   */
  async #claim(transaction: Transaction<Schema>, limit: number): Promise<ClaimedWebhook[]> {
    const bytesMax = this.options.bodyBytesPerBatch ?? defaultBodyBytesPerBatch;
    const claimed = await sql<ClaimedWebhook & { position: string }>`
      WITH heads AS (
        SELECT id, next_attempt_at, octet_length(body) AS bytes
        FROM webhook_events
        WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND next_attempt_at <= ${databaseNowAsStored}
        ORDER BY next_attempt_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), measured AS (
        SELECT id,
          row_number() OVER (ORDER BY next_attempt_at, id) AS position,
          sum(coalesce(bytes, 0)) OVER (ORDER BY next_attempt_at, id) AS running
        FROM heads
      )
      UPDATE webhook_events AS event
      SET processed_at = statement_timestamp(), attempts = event.attempts + 1, last_error = NULL
      FROM measured
      WHERE event.id = measured.id AND (measured.position = 1 OR measured.running <= ${bytesMax})
      RETURNING event.id, event.deployment_id, event.attempts - 1 AS attempts, event.body, measured.position
    `.execute(transaction);
    return claimed.rows
      .sort((left, right) => Number(left.position) - Number(right.position))
      .map(({ position: _position, ...webhook }) => webhook);
  }

  /** Counts a failed attempt: retried later with a growing delay, or dead-lettered after the last allowed attempt. */
  async #recordFailure(
    transaction: Transaction<Schema>,
    webhook: { id: number; attempts: number },
    error: unknown,
  ): Promise<void> {
    const attempts = webhook.attempts + 1;
    const deadLettered = attempts >= (this.options.attemptsMax ?? defaultAttemptsMax);
    if (deadLettered) {
      this.deadLetteredTotal += 1;
      this.logger.error(
        { err: error, webhookEventId: webhook.id, attempts },
        'webhook processing failed for the last allowed time; dead-lettered (kept, no longer retried)',
      );
    } else {
      this.logger.error(
        { err: error, webhookEventId: webhook.id, attempts },
        'webhook processing failed; it stays stored and will be retried',
      );
    }
    await transaction
      .updateTable('webhook_events')
      .set({
        // The claim marked it processed in a transaction that commits; a failure takes the mark off again.
        processed_at: null,
        attempts,
        last_error: errorMessage(error),
        next_attempt_at: databaseNowPlus(retryDelayMs(attempts)),
        dead_lettered_at: deadLettered ? new Date() : null,
      })
      .where('id', '=', webhook.id)
      .execute();
  }
}
