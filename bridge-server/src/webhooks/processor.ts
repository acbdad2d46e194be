import { parseWebhook } from '@wabridge/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Schema } from '../storage/schema.js';
import { applyWebhookEvents } from './apply.js';
import { insertWebhooks } from './inbox.js';
import type { WebhookJournal } from './journal.js';
import { routeByNumber } from './routing.js';

/**
 * How often each bridge process looks for stored webhooks nobody has processed: those left by a crash,
 * by another replica, or waiting for a retry. New webhooks do not wait for it: receiving one wakes the
 * processor at once. One second keeps recovery prompt for a query that is an index probe when idle.
 */
const pollIntervalMs = 1_000;
/** A webhook whose processing failed is retried after 2^attempts seconds, at most an hour apart. */
const retryDelayMsMax = 60 * 60_000;

/**
 * PostgreSQL errors that say two transactions collided, not that the webhook is bad: a deadlock (two
 * workers locking the same contacts in another order), a serialization failure, or a unique insert that
 * raced. Such a transaction is simply run again, a few times, before it counts as a failure.
 */
const transientCollisionCodes = new Set(['40P01', '40001', '23505']);
const collisionRetriesMax = 3;

/**
 * Webhooks per processing transaction on PostgreSQL: enough to share one commit among many, few enough that
 * a batch holds its contacts' row locks only for milliseconds.
 */
export const defaultBatchSize = 25;

/** Journal records moved per INSERT: a few milliseconds of PGlite, far cheaper per row than one at a time. */
const journalMoveRowsMax = 200;

function isTransientCollision(error: unknown): boolean {
  return transientCollisionCodes.has((error as { code?: string }).code ?? '');
}

function retryDelayMs(attempts: number): number {
  return Math.min(retryDelayMsMax, 1000 * 2 ** Math.min(attempts, 22));
}

/**
 * Processes stored Meta webhooks: one at a time per process, each in one transaction with its effects,
 * claimed with FOR UPDATE SKIP LOCKED so that several bridge replicas share the work without taking the
 * same webhook twice. A webhook that fails stays stored and is retried later; it is never lost.
 */
export interface IngestionPriority {
  /** The processor waits while webhooks arrived within this time. */
  quietMs: number;
  /** …but never longer than this in a row, so that processing cannot starve under constant load. */
  deferralMsMax: number;
}

/**
 * On embedded PGlite, SQL runs on the bridge's own thread: every millisecond the processor spends is taken
 * from the requests Meta is waiting on. During a burst, storing webhooks goes first and processing catches up
 * in the quiet moments, at most a second late, in small batches (a batch holds the thread for its whole
 * transaction: about 2 ms a webhook). (On PostgreSQL the work runs in the database server.)
 */
export const pgliteProcessing = {
  ingestionPriority: { quietMs: 20, deferralMsMax: 1_000 } satisfies IngestionPriority,
  batchSize: 8,
};

export class WebhookProcessor extends BackgroundWorker {
  #lastIngestionAtMs = 0;
  #deferringSinceMs: number | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly logger: Logger,
    private readonly options: {
      /** Called after a webhook's transaction committed: its effects (outbox rows) are now visible. */
      onCommitted?: () => void;
      /** Let bursts of arriving webhooks be stored before processing takes the database (PGlite). */
      ingestionPriority?: IngestionPriority;
      /** Webhooks claimed and applied per transaction (default `defaultBatchSize`). */
      batchSize?: number;
      /** Webhooks acknowledged from a journal (on-disk PGlite): moved into webhook_events before processing. */
      journal?: WebhookJournal;
    } = {},
  ) {
    super({ name: 'webhook processing', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    return (await this.moveFromJournal()) > 0 || (await this.processBatch()) !== 'idle' ? 'busy' : 'idle';
  }

  protected override pauseMs(): number {
    return this.#shouldDefer() ? (this.options.ingestionPriority?.quietMs ?? 0) : 0;
  }

  /** A webhook was just stored: process it soon, but let a burst of arrivals be stored first (see above). */
  noteIngestion(): void {
    this.#lastIngestionAtMs = Date.now();
    this.wake();
  }

  /** Whether to wait for a burst of arrivals to pass before taking the database for processing. */
  #shouldDefer(): boolean {
    const priority = this.options.ingestionPriority;
    if (priority === undefined) return false;
    const nowMs = Date.now();
    if (nowMs - this.#lastIngestionAtMs >= priority.quietMs) {
      this.#deferringSinceMs = undefined;
      return false;
    }
    this.#deferringSinceMs ??= nowMs;
    if (nowMs - this.#deferringSinceMs >= priority.deferralMsMax) {
      this.#deferringSinceMs = undefined;
      return false;
    }
    return true;
  }

  /** Nothing due in webhook_events, and nothing left in the journal (what another worker holds is its business). */
  protected override async nothingDue(): Promise<boolean> {
    const due = await this.db
      .selectFrom('webhook_events')
      .select('id')
      .where('processed_at', 'is', null)
      .where('next_attempt_at', '<=', new Date())
      .limit(1)
      .executeTakeFirst();
    return due === undefined && this.journalBacklog === 0;
  }

  /** Webhooks acknowledged from the journal and not yet in webhook_events. */
  get journalBacklog(): number {
    return this.options.journal?.backlog ?? 0;
  }

  /** Moves the oldest webhooks of the journal into webhook_events, in one INSERT; answers how many. */
  async moveFromJournal(): Promise<number> {
    const journal = this.options.journal;
    const records = journal?.peek(journalMoveRowsMax) ?? [];
    if (journal === undefined || records.length === 0) return 0;
    await insertWebhooks(this.db, records);
    await journal.moved(records.length);
    return records.length;
  }

  /**
   * Claims up to a batch of due webhooks and processes them in one transaction: one commit (one WAL flush on
   * PostgreSQL) for the batch instead of one per webhook. If any of them fails, the batch rolls back and its
   * webhooks are taken again one at a time, so that only the failing one is recorded as failed and the
   * others are applied.
   */
  async processBatch(): Promise<'processed' | 'failed' | 'idle'> {
    const batchSize = this.options.batchSize ?? defaultBatchSize;
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
    let claimedIds: number[] = [];
    try {
      const outcome = await this.db.transaction().execute(async (transaction) => {
        const webhooks = await transaction
          .selectFrom('webhook_events')
          .select(['id', 'deployment_id', 'body'])
          .where('processed_at', 'is', null)
          .where('next_attempt_at', '<=', new Date())
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .execute();
        if (webhooks.length === 0) return 'idle' as const;
        claimedIds = webhooks.map((webhook) => webhook.id);
        for (const webhook of webhooks) {
          await this.#process(transaction, { id: webhook.id, deploymentId: webhook.deployment_id, body: webhook.body });
        }
        // Not now(): that is when this transaction began, which may be before the webhook was received.
        await transaction
          .updateTable('webhook_events')
          .set({ processed_at: sql<Date>`statement_timestamp()`, attempts: sql<number>`attempts + 1`, last_error: null })
          .where('id', 'in', claimedIds)
          .execute();
        return 'processed' as const;
      });
      if (outcome === 'processed') this.options.onCommitted?.();
      return { kind: outcome };
    } catch (error) {
      if (claimedIds.length === 0 || isTransientCollision(error)) throw error;
      if (claimedIds.length > 1) return { kind: 'batch_failed', claimed: claimedIds.length };
      await this.#recordFailure(claimedIds[0] as number, error);
      return { kind: 'failed' };
    }
  }

  async #process(
    transaction: Transaction<Schema>,
    webhook: { id: number; deploymentId: string; body: Uint8Array },
  ): Promise<void> {
    const parsed = parseWebhook(JSON.parse(Buffer.from(webhook.body).toString('utf8')));
    // The envelope was checked before the webhook was stored; a failure here means the parser changed.
    if (!parsed.ok) throw new Error(`stored webhook no longer parses: ${parsed.issues[0]?.message ?? 'unknown issue'}`);
    const byDeployment = await routeByNumber(transaction, webhook.deploymentId, parsed.events);
    for (const [deploymentId, events] of byDeployment) {
      await applyWebhookEvents(transaction, { id: webhook.id, deploymentId }, events, this.logger);
    }
  }

  async #recordFailure(webhookId: number, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(
      { err: error, webhookEventId: webhookId },
      'webhook processing failed; it stays stored and will be retried',
    );
    const row = await this.db.selectFrom('webhook_events').select('attempts').where('id', '=', webhookId).executeTakeFirst();
    const attempts = (row?.attempts ?? 0) + 1;
    await this.db
      .updateTable('webhook_events')
      .set({ attempts, last_error: message.slice(0, 2000), next_attempt_at: new Date(Date.now() + retryDelayMs(attempts)) })
      .where('id', '=', webhookId)
      .execute();
  }
}
