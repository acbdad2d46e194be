import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type * as z from 'zod';
import { BackgroundWorker } from '../background/worker-loop.js';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { anyJobDue, claimJob, enqueueJob, type JobRequest, type JobRow, type Settlement, settleJob } from './store.js';

/** What a handler answers for one attempt. */
export type JobOutcome =
  /** Finished; `note` says why nothing was done, when nothing was (a window closed meanwhile). */
  | { kind: 'done'; note?: string | null }
  /** Nothing happened that must not happen twice: try again later, with a new payload if given. */
  | { kind: 'retry'; error: string; afterMs?: number; payload?: Record<string, unknown> }
  /** Will never succeed as it stands: stop, and show it to an administrator. */
  | { kind: 'dead'; error: string };

export const jobDone = (note?: string | null): JobOutcome => ({ kind: 'done', note: note ?? null });
export const jobRetry = (error: string, options: { afterMs?: number; payload?: Record<string, unknown> } = {}): JobOutcome => ({
  kind: 'retry',
  error,
  ...options,
});
export const jobDead = (error: string): JobOutcome => ({ kind: 'dead', error });

/** A claimed job with its payload parsed by its handler's schema. */
export type ClaimedJob<P> = Omit<JobRow, 'payload'> & { payload: P };

export interface JobHandler<P> {
  /** The payload's shape: a payload that does not fit makes the job dead (nothing to retry). */
  payload: z.ZodType<P>;
  /** Longer than an attempt can take: only an attempt whose process died leaves a job for another to take. */
  leaseMs: number;
  /** The policy's cap on attempts; the job's own attempts_max applies too (the lower wins). */
  attemptsMax?: number;
  /** The wait before the next attempt after `attempts` failed ones, when the handler names none. */
  retryDelayMs?: (attempts: number) => number;
  run(job: ClaimedJob<P>): Promise<JobOutcome>;
}

/**
 * How often a runner looks for due jobs nobody woke it for: jobs enqueued by another replica or a database trigger,
 * left by a crash, or waiting for a retry. Jobs enqueued in this process wake it.
 */
const pollIntervalMs = 1_000;
/** Retries wait 2^(attempts-1) seconds by default, at most an hour apart. */
const retryDelayMsFirst = 1_000;
const retryDelayMsMax = 60 * 60_000;

/** Exponential backoff: `firstMs · 2^(attempts-1)`, at most `maxMs`. */
export function exponentialBackoffMs(attempts: number, firstMs = retryDelayMsFirst, maxMs = retryDelayMsMax): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

function describe(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.detail}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Carries out jobs (jobs/store.ts) with the handlers registered by kind: claims one due job at a time with a lease,
 * runs its handler without holding a lock or a connection, and records the outcome: done, retried with backoff,
 * or dead after the cap. Every replica runs one; the database decides who takes what.
 */
export class JobRunner extends BackgroundWorker {
  readonly #handlers = new Map<string, JobHandler<unknown>>();

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly logger: Logger,
  ) {
    super({ name: 'jobs', pollIntervalMs, logger });
  }

  /** Registers the handler of a kind; this runner claims only kinds it has a handler for. */
  register<P>(kind: string, handler: JobHandler<P>): this {
    if (this.#handlers.has(kind)) throw new Error(`a handler for job kind ${kind} is already registered`);
    this.#handlers.set(kind, handler as JobHandler<unknown>);
    return this;
  }

  get kinds(): string[] {
    return [...this.#handlers.keys()];
  }

  /** Queues a job outside any transaction and wakes the runner. Inside one, use enqueueJob, then `wake` after the commit. */
  async enqueue(request: JobRequest): Promise<JobRow | undefined> {
    const job = await enqueueJob(this.db, request);
    this.wake();
    return job;
  }

  protected async step(): Promise<'idle' | 'busy'> {
    return (await this.runOne()) === 'idle' ? 'idle' : 'busy';
  }

  protected override async nothingDue(): Promise<boolean> {
    return !(await anyJobDue(this.db, this.kinds));
  }

  /** Claims the next due job and runs it; answers what became of it. */
  async runOne(): Promise<'idle' | 'done' | 'queued' | 'dead' | 'lost'> {
    return this.counted(async () => {
      const job = await claimJob(this.db, this.kinds, (kind) => this.#handlers.get(kind)!.leaseMs);
      if (job === undefined) return 'idle';
      const handler = this.#handlers.get(job.kind)!;
      const settlement = await this.#attempt(job, handler);
      const recorded = await settleJob(this.db, job, settlement);
      const log = { jobId: job.id, kind: job.kind, attempts: job.attempts };
      if (!recorded) {
        this.logger.warn(log, 'jobs: the attempt outlived its lease; another attempt records the outcome');
        return 'lost';
      }
      if (settlement.status === 'dead') this.logger.warn({ ...log, error: settlement.error }, 'jobs: job is dead');
      else if (settlement.status === 'queued') this.logger.info({ ...log, error: settlement.error }, 'jobs: will retry');
      return settlement.status;
    });
  }

  async #attempt(job: JobRow, handler: JobHandler<unknown>): Promise<Settlement> {
    const attemptsMax = Math.min(job.attempts_max, handler.attemptsMax ?? job.attempts_max);
    if (job.attempts > attemptsMax) {
      // Claimed again after its lease ran out, with no attempt left: its last attempt's process died mid-way.
      return { status: 'dead', error: `no attempt left after attempt ${job.attempts - 1} ended without reporting back` };
    }
    const payload = handler.payload.safeParse(job.payload);
    if (!payload.success) return { status: 'dead', error: `invalid payload: ${payload.error.issues[0]?.message ?? 'unknown'}` };
    let outcome: JobOutcome;
    try {
      outcome = await handler.run({ ...job, payload: payload.data });
    } catch (error) {
      // Our own failure (the database, a bug): retried like any failure; the handler's idempotence makes it safe.
      this.logger.error({ err: error, jobId: job.id, kind: job.kind }, 'jobs: attempt failed');
      outcome = { kind: 'retry', error: describe(error) };
    }
    switch (outcome.kind) {
      case 'done':
        return { status: 'done', note: outcome.note ?? null };
      case 'dead':
        return { status: 'dead', error: outcome.error };
      case 'retry':
        if (job.attempts >= attemptsMax) {
          return { status: 'dead', error: `gave up after ${job.attempts} attempts: ${outcome.error}` };
        }
        return {
          status: 'queued',
          error: outcome.error,
          afterMs: outcome.afterMs ?? (handler.retryDelayMs ?? exponentialBackoffMs)(job.attempts),
          payload: outcome.payload,
        };
    }
  }
}
