import type { Job } from '@wabridge/shared';
import { type ExpressionBuilder, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { decodeCursor, encodeCursor } from '../storage/pagination.js';
import type { JobStatus, Schema } from '../storage/schema.js';

type Database = Kysely<Schema> | Transaction<Schema>;
export type JobRow = Selectable<Schema['jobs']>;

/** What is stored of a failure: enough to act on; a remote system's error text is not ours to keep in full. */
const errorLengthMax = 2000;

export interface JobRequest {
  kind: string;
  /** The account the work is for (tenant); null or absent for the bridge's own work. */
  accountId?: string | null;
  payload: Record<string, unknown>;
  /** The same key enqueued twice (a retried transaction, a repeated webhook) makes one job. */
  dedupeKey?: string;
  /** Attempts before the job is dead; the kind's handler may cap it lower. */
  attemptsMax?: number;
  /** Not before this many milliseconds from now (the database's now). */
  delayMs?: number;
}

/** `now() + ms`, on the database's clock: leases and schedules never mix in the process clock. */
export function databaseNowPlus(milliseconds: number) {
  return sql<Date>`now() + ${Math.max(0, Math.round(milliseconds))} * interval '1 millisecond'`;
}

/**
 * The database's now as a `timestamptz(3)` column keeps it, for deciding what is due (jobs, webhooks). PostgreSQL
 * rounds a time it stores to the millisecond, so a row queued for `now()` can be kept up to half a millisecond ahead
 * of that now: compared with the exact `now()`, it was not yet due to a claim made within that half millisecond (the
 * worker, woken once the row committed, went back to sleep until its next poll). Rounded alike, a later now is never
 * earlier than a stored one.
 */
export const databaseNowAsStored = sql<Date>`now()::timestamptz(3)`;

/** Jobs this process asked to queue since it started, committed or not (`jobsQueuedSoFar`). */
let jobsQueued = 0;

/**
 * How many jobs this process has asked to queue so far. Work that reads it before and after can tell whether it
 * may have queued one, and wake the runner only then (the webhook processor: most batches queue none). A change by
 * other work in between only costs a wake for nothing.
 */
export function jobsQueuedSoFar(): number {
  return jobsQueued;
}

/**
 * Queues a job. Call it with the transaction that decided the work, so the job exists exactly when that decision
 * commits; then wake the runner once it has committed. Answers undefined when a job with the same dedupe key exists.
 */
export async function enqueueJob(db: Database, request: JobRequest): Promise<JobRow | undefined> {
  jobsQueued += 1;
  return db
    .insertInto('jobs')
    .values({
      kind: request.kind,
      account_id: request.accountId ?? null,
      payload: JSON.stringify(request.payload),
      dedupe_key: request.dedupeKey ?? null,
      ...(request.attemptsMax === undefined ? {} : { attempts_max: request.attemptsMax }),
      next_attempt_at: databaseNowPlus(request.delayMs ?? 0),
    })
    .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Due: queued and its time has come, or running with its lease run out (its process died); on the database's clock. */
function isDue(eb: ExpressionBuilder<Schema, 'jobs'>) {
  return eb.or([
    eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', databaseNowAsStored)]),
    eb.and([eb('status', '=', 'running'), eb('lease_until', '<=', databaseNowAsStored)]),
  ]);
}

/**
 * Takes the oldest due job of these kinds: queued and due, or running with its lease run out (its process died).
 * One statement, its own transaction: the due row is picked FOR UPDATE SKIP LOCKED by the UPDATE that takes it, so
 * two runners never take one job and none waits on another; a poll that finds nothing costs one round trip, not a
 * BEGIN and a COMMIT besides. The attempt is counted and the
 * lease (by the job's kind) set here, both on the database's clock.
 */
export async function claimJob(db: Kysely<Schema>, kinds: readonly string[], leaseMsOf: (kind: string) => number) {
  if (kinds.length === 0) return undefined;
  const leaseMs = sql<number>`case ${sql.join(
    kinds.map((kind) => sql`when kind = ${kind} then cast(${Math.max(0, Math.round(leaseMsOf(kind)))} as integer)`),
    sql` `,
  )} end`;
  return db
    .updateTable('jobs')
    .set({
      status: 'running',
      attempts: sql<number>`attempts + 1`,
      lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('kind', 'in', kinds)
        .where(isDue)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .executeTakeFirst();
}

/** How an attempt ended, as the runner records it. */
export type Settlement =
  | { status: 'done'; note: string | null }
  | { status: 'queued'; error: string; afterMs: number; payload?: Record<string, unknown> | undefined }
  | { status: 'dead'; error: string };

/**
 * Records an attempt's end, only while the job is still this attempt's (running, same attempt count): an attempt
 * that outlived its lease must not overwrite what the attempt that took over records. False when it was not.
 */
export async function settleJob(db: Database, job: Pick<JobRow, 'id' | 'attempts'>, settlement: Settlement): Promise<boolean> {
  const mine = db
    .updateTable('jobs')
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('attempts', '=', job.attempts);
  const common = { lease_until: null, updated_at: sql<Date>`now()` };
  const result = await (settlement.status === 'queued'
    ? mine.set({
        ...common,
        status: 'queued',
        last_error: settlement.error.slice(0, errorLengthMax),
        next_attempt_at: databaseNowPlus(settlement.afterMs),
        ...(settlement.payload === undefined ? {} : { payload: JSON.stringify(settlement.payload) }),
      })
    : mine.set({
        ...common,
        status: settlement.status,
        last_error:
          settlement.status === 'done'
            ? (settlement.note?.slice(0, errorLengthMax) ?? null)
            : settlement.error.slice(0, errorLengthMax),
        finished_at: sql<Date>`now()`,
      })
  ).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Whether a job of these kinds is due now (for drains; jobs another process holds under a live lease are not). */
export async function anyJobDue(db: Kysely<Schema>, kinds: readonly string[]): Promise<boolean> {
  if (kinds.length === 0) return false;
  const due = await db.selectFrom('jobs').select('id').where('kind', 'in', kinds).where(isDue).limit(1).executeTakeFirst();
  return due !== undefined;
}

/** A dead job queued again from scratch (attempts reset, due now); anything else is refused as it stands. */
export async function replayJob(db: Kysely<Schema>, jobId: number): Promise<JobRow> {
  const replayed = await db
    .updateTable('jobs')
    .set({
      status: 'queued',
      attempts: 0,
      next_attempt_at: sql<Date>`now()`,
      finished_at: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', jobId)
    .where('status', '=', 'dead')
    .returningAll()
    .executeTakeFirst();
  if (replayed !== undefined) return replayed;
  const existing = await db.selectFrom('jobs').select('status').where('id', '=', jobId).executeTakeFirst();
  if (existing === undefined) throw new DomainError('not_found', `No job ${jobId}.`);
  throw new DomainError('job_not_dead', `Job ${jobId} is ${existing.status}; only a dead job can be replayed.`, {
    job_status: existing.status,
  });
}

export function presentJob(row: JobRow): Job {
  return {
    id: String(row.id),
    kind: row.kind,
    account_id: row.account_id,
    status: row.status,
    attempts: row.attempts,
    attempts_max: row.attempts_max,
    next_attempt_at: row.next_attempt_at.toISOString(),
    lease_until: row.lease_until?.toISOString() ?? null,
    last_error: row.last_error,
    payload: row.payload as Record<string, unknown>,
    dedupe_key: row.dedupe_key,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/** A page of jobs, newest first, filtered; the cursor is the last one's (created_at, id). */
export async function listJobs(
  db: Kysely<Schema>,
  filters: {
    status?: JobStatus | undefined;
    kind?: string | undefined;
    accountId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const after = decodeCursor(filters.cursor);
  let query = db.selectFrom('jobs').selectAll();
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.kind !== undefined) query = query.where('kind', '=', filters.kind);
  if (filters.accountId !== undefined) query = query.where('account_id', '=', filters.accountId);
  if (after !== undefined) {
    if (!/^\d{1,16}$/.test(after.id)) return { data: [], next_cursor: null };
    query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${Number(after.id)})`);
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filters.limit + 1)
    .execute();
  const pageRows = rows.slice(0, filters.limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(presentJob),
    next_cursor:
      rows.length > filters.limit && last !== undefined
        ? encodeCursor({ created_at: last.created_at, id: String(last.id) })
        : null,
  };
}

/** Per kind: jobs due now, running, dead, and the age of the oldest due one (seconds, database clock). */
export interface JobKindFigures {
  kind: string;
  due: number;
  running: number;
  dead: number;
  oldestDueAgeSeconds: number;
}

export async function jobFigures(db: Kysely<Schema>): Promise<JobKindFigures[]> {
  const { rows } = await sql<{ kind: string; due: number; running: number; dead: number; oldest_due_age_seconds: number | null }>`
    select kind,
      count(*) filter (where status = 'queued' and next_attempt_at <= ${databaseNowAsStored})::int as due,
      count(*) filter (where status = 'running')::int as running,
      count(*) filter (where status = 'dead')::int as dead,
      extract(epoch from now() - min(next_attempt_at) filter (where status = 'queued' and next_attempt_at <= ${databaseNowAsStored}))::float8
        as oldest_due_age_seconds
    from jobs where status <> 'done' group by kind order by kind`.execute(db);
  return rows.map((row) => ({
    kind: row.kind,
    due: Number(row.due),
    running: Number(row.running),
    dead: Number(row.dead),
    oldestDueAgeSeconds: Number(row.oldest_due_age_seconds ?? 0),
  }));
}
