import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import { ProblemError } from '../http/problem.js';
import { MessageAlreadyRecordedError, type SendPipeline } from '../messages/pipeline.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';
import { type OutboxRow, sendTextPayload } from './store.js';

/**
 * How often each bridge process looks for due outbox rows: rows written by another replica, left by a
 * crash, or waiting for a retry. New rows do not wait for it: the webhook processor wakes the worker when
 * it commits.
 */
const pollIntervalMs = 1_000;
/**
 * A claimed row is not claimed again for this long: longer than any send takes (the Meta client's timeouts
 * and retries), so only a worker that died leaves a row for another one to take.
 */
const leaseMs = 5 * 60_000;
/** A temporary failure is retried after 2^attempts seconds, at most an hour apart, up to this many attempts. */
const retryDelayMsMax = 60 * 60_000;
const attemptsMax = 10;

function retryDelayMs(attempts: number): number {
  return Math.min(retryDelayMsMax, 1000 * 2 ** Math.min(attempts, 22));
}

function describe(error: unknown): string {
  if (error instanceof ProblemError) return `${error.code}: ${error.detail}`;
  return error instanceof Error ? error.message : String(error);
}

/** How an attempt ended for the row. */
type Settlement =
  | { kind: 'done'; error: string | null }
  /** Nothing was sent and nothing stands in the way of sending: try again later (with a fresh message id if the old one was recorded as failed). */
  | { kind: 'retry'; error: string; freshMessageId: boolean };

/**
 * Carries out the outbox: rows written inside our own transactions (a keyword opt-out's confirmation
 * reply) that call other systems. Each process claims one due row at a time with FOR UPDATE SKIP LOCKED
 * and leases it (pushes next_attempt_at past the send) in a short transaction, then works without holding
 * a lock or a connection across the call to Meta, then marks the row.
 *
 * Nothing is sent twice: a row's message_id is fixed when the row is written, and the send pipeline refuses
 * to record a message id twice. A worker that dies after recording (before or after Meta answered) leaves
 * the message recorded; whoever takes the row next finds it and stops, leaving the message for Meta's status
 * webhook (which carries our id) to settle. Only an attempt that is known to have sent nothing — Meta
 * refused for now, or could not be reached — is tried again, under a new message id written to the row
 * before the next send.
 */
export class OutboxWorker extends BackgroundWorker {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly pipeline: SendPipeline,
    private readonly logger: Logger,
  ) {
    super({ name: 'outbox', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    return (await this.processOne()) === 'idle' ? 'idle' : 'busy';
  }

  /** Rows leased by another process are left to it. */
  protected override async nothingDue(): Promise<boolean> {
    const due = await this.db
      .selectFrom('outbox')
      .select('id')
      .where('done_at', 'is', null)
      .where('next_attempt_at', '<=', new Date())
      .limit(1)
      .executeTakeFirst();
    return due === undefined;
  }

  /** Claims the next due row and carries it out. */
  async processOne(): Promise<'done' | 'retry' | 'idle'> {
    return this.counted(async () => {
      const row = await this.#claim();
      if (row === undefined) return 'idle';
      let settlement: Settlement;
      try {
        settlement = await this.#carryOut(row);
      } catch (error) {
        // Our own failure (the database, a bug) before or after the pipeline: the message id stays, so if the
        // message got recorded the next attempt stops there.
        this.logger.error({ err: error, outboxId: row.id }, 'outbox: attempt failed; it will be retried');
        settlement = { kind: 'retry', error: describe(error), freshMessageId: false };
      }
      return await this.#settle(row, settlement);
    });
  }

  /** Takes one due row and leases it, in a short transaction of its own. */
  async #claim(): Promise<OutboxRow | undefined> {
    return this.db.transaction().execute(async (transaction) => {
      const row = await transaction
        .selectFrom('outbox')
        .selectAll()
        .where('done_at', 'is', null)
        .where('next_attempt_at', '<=', new Date())
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return transaction
        .updateTable('outbox')
        .set({ attempts: sql<number>`attempts + 1`, next_attempt_at: new Date(Date.now() + leaseMs) })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  async #carryOut(row: OutboxRow): Promise<Settlement> {
    switch (row.kind) {
      case 'send_text':
        return this.#sendText(row);
      default:
        return { kind: 'done', error: `unknown outbox kind ${String(row.kind)}` };
    }
  }

  async #sendText(row: OutboxRow): Promise<Settlement> {
    const payload = sendTextPayload.safeParse(row.payload);
    if (!payload.success) return { kind: 'done', error: `invalid payload: ${payload.error.issues[0]?.message ?? 'unknown'}` };
    try {
      const message = await this.pipeline.send(
        { accountId: row.account_id, deploymentId: row.deployment_id, installationId: null, messageId: row.message_id },
        { to: payload.data.to, text: { body: payload.data.body } },
      );
      // outcome_unknown: never sent again; Meta's status webhook carrying the id will settle the message.
      return {
        kind: 'done',
        error: message.state === 'outcome_unknown' ? 'outcome_unknown: left to Meta’s status webhook' : null,
      };
    } catch (error) {
      if (error instanceof MessageAlreadyRecordedError) return this.#alreadyRecorded(row);
      if (error instanceof ProblemError && error.code === 'meta_unavailable') {
        // The pipeline recorded the message as failed: Meta refused for now or could not be reached, nothing was sent.
        return { kind: 'retry', error: describe(error), freshMessageId: true };
      }
      // Final: the window closed meanwhile, Meta refused the message, the request is invalid.
      if (error instanceof ProblemError) return { kind: 'done', error: describe(error) };
      throw error;
    }
  }

  /**
   * An earlier attempt recorded the message and died: it may or may not have reached Meta, so it is not sent
   * again. A message still 'sending' becomes outcome_unknown, as the pipeline leaves a send whose answer it
   * never saw; a status webhook carrying its id settles it.
   */
  async #alreadyRecorded(row: OutboxRow): Promise<Settlement> {
    const left = await this.db
      .updateTable('messages')
      .set({ state: 'outcome_unknown', updated_at: sql<Date>`now()` })
      .where('id', '=', row.message_id)
      .where('state', '=', 'sending')
      .executeTakeFirst();
    if (left.numUpdatedRows > 0n) {
      return { kind: 'done', error: 'message recorded by an earlier attempt that never reported back; not sent again' };
    }
    const message = await this.db.selectFrom('messages').select('state').where('id', '=', row.message_id).executeTakeFirst();
    const state = message?.state ?? 'unknown';
    // A send that ended before the worker could mark the row (accepted) simply finished.
    return {
      kind: 'done',
      error: state === 'accepted' ? null : `message recorded by an earlier attempt (${state}); not sent again`,
    };
  }

  /** Marks the row; only if it is still this attempt's (same message id, not done), in case a lease ran out. */
  async #settle(row: OutboxRow, settlement: Settlement): Promise<'done' | 'retry'> {
    const mine = this.db
      .updateTable('outbox')
      .where('id', '=', row.id)
      .where('message_id', '=', row.message_id)
      .where('done_at', 'is', null);
    if (settlement.kind === 'retry' && row.attempts < attemptsMax) {
      this.logger.warn({ outboxId: row.id, attempts: row.attempts, error: settlement.error }, 'outbox: will retry');
      await mine
        .set({
          last_error: settlement.error.slice(0, 2000),
          next_attempt_at: new Date(Date.now() + retryDelayMs(row.attempts)),
          ...(settlement.freshMessageId ? { message_id: newId('msg') } : {}),
        })
        .execute();
      return 'retry';
    }
    const error = settlement.kind === 'retry' ? `gave up after ${row.attempts} attempts: ${settlement.error}` : settlement.error;
    if (error !== null) this.logger.warn({ outboxId: row.id, error }, 'outbox: row ended without a send');
    await mine
      .set({ done_at: sql<Date>`statement_timestamp()`, last_error: error === null ? null : error.slice(0, 2000) })
      .execute();
    return 'done';
  }
}
