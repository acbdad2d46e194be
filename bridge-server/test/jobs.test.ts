import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { refusalsLeaving } from '../../test/support/problems.js';
import { type JobHandler, type JobOutcome, JobRunner, jobDead, jobDone, jobRetry } from '../src/jobs/runner.js';
import { claimJob, enqueueJob, type JobRow, settleJob } from '../src/jobs/store.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

const silent = pino({ level: 'silent' });
const leaseMs = 60_000;

/** A handler whose outcome each test decides, recording the attempts it saw and how many ran at once per job. */
function scriptedHandler(options: { attemptsMax?: number; outcome?: (attempts: number) => JobOutcome } = {}) {
  const runs: { id: number; attempts: number; n: number }[] = [];
  const inFlight = new Map<number, number>();
  let overlaps = 0;
  const handler: JobHandler<{ n: number }> = {
    payload: z.object({ n: z.number().int() }),
    leaseMs,
    ...(options.attemptsMax === undefined ? {} : { attemptsMax: options.attemptsMax }),
    async run(job) {
      const running = (inFlight.get(job.id) ?? 0) + 1;
      inFlight.set(job.id, running);
      if (running > 1) overlaps += 1;
      // Hand the event loop to the other runner mid-attempt, so that attempts interleave.
      await new Promise((resolve) => setImmediate(resolve));
      runs.push({ id: job.id, attempts: job.attempts, n: job.payload.n });
      inFlight.set(job.id, running - 1);
      return options.outcome?.(job.attempts) ?? jobDone();
    },
  };
  return { handler, runs, overlaps: () => overlaps };
}

describe.each(backends)('durable jobs on $name', (backend) => {
  let bridge: TestBridge;
  const db = () => bridge.bridge.database.db;
  /** A fresh kind per test: the bridge's own runner never claims it, and tests never see each other's jobs. */
  let kind: string;
  let kindNumber = 0;
  const runner = <P>(handler: JobHandler<P>) => new JobRunner(db(), silent).register(kind, handler);
  const jobOf = (id: number) => db().selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  /** Milliseconds from the database's now to a timestamp column of a job (negative: in the past). */
  const millisecondsAhead = async (id: number, column: 'next_attempt_at' | 'lease_until') => {
    const { rows } = await sql<{ ms: number }>`
      select extract(epoch from ${sql.ref(column)} - now())::float8 * 1000 as ms from jobs where id = ${id}`.execute(db());
    return Number(rows[0]!.ms);
  };
  const makeDue = (id: number) => sql`update jobs set next_attempt_at = now() where id = ${id}`.execute(db());
  const enqueue = async (n: number, extra: Record<string, unknown> = {}) =>
    (await enqueueJob(db(), { kind, payload: { n }, ...extra }))!;

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
  });
  afterAll(async () => {
    await bridge?.close();
  });
  beforeEach(() => {
    kindNumber += 1;
    kind = `test_kind_${kindNumber}`;
  });

  it('enqueues inside the caller’s transaction: a rollback leaves no job, a repeated dedupe key one job', async () => {
    await expect(
      db()
        .transaction()
        .execute(async (transaction) => {
          await enqueueJob(transaction, { kind, payload: { n: 1 }, dedupeKey: `${kind}:one` });
          throw new Error('the caller’s transaction fails');
        }),
    ).rejects.toThrow('the caller’s transaction fails');
    expect(await db().selectFrom('jobs').select('id').where('kind', '=', kind).execute()).toHaveLength(0);

    // A transaction retried after it committed enqueues the same work again: one job.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await db()
        .transaction()
        .execute((transaction) => enqueueJob(transaction, { kind, payload: { n: 1 }, dedupeKey: `${kind}:one` }));
    }
    const jobs = await db().selectFrom('jobs').selectAll().where('kind', '=', kind).execute();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'queued', attempts: 0, attempts_max: 10, payload: { n: 1 }, lease_until: null });
  });

  it('never runs one job in two runners at once, and runs every job exactly once', async () => {
    const script = scriptedHandler();
    const [first, second] = [runner(script.handler), runner(script.handler)];
    const ids: number[] = [];
    for (let n = 0; n < 24; n += 1) ids.push((await enqueue(n)).id);

    // One job, two runners claiming it at the same moment: one takes it, the other finds nothing.
    const single = (await enqueue(100)).id;
    await sql`update jobs set next_attempt_at = now() + interval '1 hour' where kind = ${kind} and id <> ${single}`.execute(db());
    expect((await Promise.all([first.runOne(), second.runOne()])).sort()).toEqual(['done', 'idle']);
    await sql`update jobs set next_attempt_at = now() where kind = ${kind} and status = 'queued'`.execute(db());

    const drain = async (worker: JobRunner) => {
      while ((await worker.runOne()) !== 'idle') {
        // Next job.
      }
    };
    await Promise.all([drain(first), drain(second)]);
    expect(script.overlaps()).toBe(0);
    expect(script.runs.map((run) => run.id).sort((a, b) => a - b)).toEqual([...ids, single].sort((a, b) => a - b));
    const statuses = await db().selectFrom('jobs').select(['status', 'attempts']).where('kind', '=', kind).execute();
    expect(statuses.every((job) => job.status === 'done' && job.attempts === 1)).toBe(true);
  });

  it('leases on the database’s clock, and takes a job again once the lease of a crashed attempt ran out', async () => {
    const script = scriptedHandler();
    const job = await enqueue(7);
    // A runner claims it and dies: nothing is ever recorded.
    const claimed = (await claimJob(db(), [kind], () => leaseMs))!;
    expect(claimed).toMatchObject({ id: job.id, status: 'running', attempts: 1 });
    const ahead = await millisecondsAhead(job.id, 'lease_until');
    expect(ahead).toBeGreaterThan(leaseMs - 5_000);
    expect(ahead).toBeLessThanOrEqual(leaseMs);

    const survivor = runner(script.handler);
    expect(await survivor.runOne()).toBe('idle');
    expect(script.runs).toHaveLength(0);

    // The lease runs out (moved, rather than waited for).
    await sql`update jobs set lease_until = now() - interval '1 second' where id = ${job.id}`.execute(db());
    expect(await survivor.runOne()).toBe('done');
    expect(script.runs).toEqual([{ id: job.id, attempts: 2, n: 7 }]);
    expect(await jobOf(job.id)).toMatchObject({ status: 'done', attempts: 2, lease_until: null, last_error: null });

    // The crashed attempt coming back late cannot overwrite what the one that took over recorded.
    expect(await settleJob(db(), claimed, { status: 'dead', error: 'late' })).toBe(false);
    expect(await jobOf(job.id)).toMatchObject({ status: 'done' });
  });

  it('leases each job for its own kind’s time when one claim covers several kinds', async () => {
    const other = `${kind}_other`;
    const first = await enqueue(1);
    const second = (await enqueueJob(db(), { kind: other, payload: { n: 2 } }))!;
    const leaseOf = (jobKind: string) => (jobKind === kind ? 60_000 : 600_000);
    // The oldest due job first; then the other kind's.
    expect(await claimJob(db(), [kind, other], leaseOf)).toMatchObject({ id: first.id, kind, status: 'running' });
    expect(await claimJob(db(), [kind, other], leaseOf)).toMatchObject({ id: second.id, kind: other, status: 'running' });
    expect(await claimJob(db(), [kind, other], leaseOf)).toBeUndefined();
    for (const [job, jobKind] of [
      [first, kind],
      [second, other],
    ] as const) {
      const ahead = await millisecondsAhead(job.id, 'lease_until');
      expect(ahead).toBeGreaterThan(leaseOf(jobKind) - 5_000);
      expect(ahead).toBeLessThanOrEqual(leaseOf(jobKind));
    }
  });

  it('takes a job queued for now at once, in the very transaction that queued it (times are kept rounded to the millisecond)', async () => {
    // PostgreSQL rounds a timestamptz(3): a job queued for now() in the second half of a millisecond is kept up to
    // half a millisecond ahead of that now. In one transaction now() stands still, so each round is a claim made
    // within that half millisecond; twenty rounds land in a second half with near certainty.
    for (let round = 0; round < 20; round += 1) {
      const claimed = await db()
        .transaction()
        .execute(async (transaction) => {
          const queued = (await enqueueJob(transaction, { kind, payload: { n: round } }))!;
          const job = await claimJob(transaction, [kind], () => leaseMs);
          return { queued: queued.id, claimed: job?.id };
        });
      expect(claimed.claimed).toBe(claimed.queued);
    }
  });

  it('backs off exponentially on the database’s clock, then gives up at the cap: dead, with why', async () => {
    const script = scriptedHandler({ attemptsMax: 4, outcome: (attempts) => jobRetry(`refused for now (${attempts})`) });
    const worker = runner(script.handler);
    const job = await enqueue(1);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await worker.runOne()).toBe('queued');
      const { rows } = await sql<{ ms: number }>`
        select extract(epoch from next_attempt_at - updated_at)::float8 * 1000 as ms from jobs where id = ${job.id}`.execute(
        db(),
      );
      delays.push(Math.round(Number(rows[0]!.ms)));
      expect(await worker.runOne()).toBe('idle');
      await makeDue(job.id);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000]);
    expect(await jobOf(job.id)).toMatchObject({ status: 'queued', attempts: 3, last_error: 'refused for now (3)' });

    expect(await worker.runOne()).toBe('dead');
    const dead = await jobOf(job.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 4, last_error: 'gave up after 4 attempts: refused for now (4)' });
    expect(dead.finished_at).toBeInstanceOf(Date);
    await makeDue(job.id);
    expect(await worker.runOne()).toBe('idle');
    expect(script.runs).toHaveLength(4);
  });

  it('honours the job’s own cap, a handler’s permanent refusal and a payload that does not fit', async () => {
    const script = scriptedHandler({ outcome: (attempts) => (attempts === 1 ? jobRetry('not yet') : jobDead('never')) });
    const worker = runner(script.handler);
    const capped = await enqueue(1, { attemptsMax: 1 });
    expect(await worker.runOne()).toBe('dead');
    expect(await jobOf(capped.id)).toMatchObject({
      status: 'dead',
      attempts: 1,
      last_error: 'gave up after 1 attempts: not yet',
    });

    const refused = await enqueue(2);
    expect(await worker.runOne()).toBe('queued');
    await makeDue(refused.id);
    expect(await worker.runOne()).toBe('dead');
    expect(await jobOf(refused.id)).toMatchObject({ status: 'dead', attempts: 2, last_error: 'never' });

    const malformed = (await enqueueJob(db(), { kind, payload: { n: 'two' } }))!;
    expect(await worker.runOne()).toBe('dead');
    expect((await jobOf(malformed.id)).last_error).toMatch(/^invalid payload: /);
    expect(script.runs.map((run) => run.n)).toEqual([1, 2, 2]);
  });

  it('makes a job dead without running it when its last attempt’s lease ran out', async () => {
    const script = scriptedHandler();
    const job = await enqueue(3, { attemptsMax: 1 });
    await claimJob(db(), [kind], () => leaseMs);
    await sql`update jobs set lease_until = now() - interval '1 second' where id = ${job.id}`.execute(db());
    expect(await runner(script.handler).runOne()).toBe('dead');
    expect(script.runs).toHaveLength(0);
    expect((await jobOf(job.id)).last_error).toMatch(/no attempt left/);
  });

  it('lists jobs for the administrator only, filtered and page by page, and replays only dead ones', async () => {
    const account = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Jobs' } })).body.id as string;
    const other = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Others' } })).body.id as string;
    const ours: JobRow[] = [];
    for (let n = 0; n < 5; n += 1) ours.push(await enqueue(n, { accountId: account }));
    await enqueue(99, { accountId: other });
    const dead = ours[0]!;
    await sql`update jobs set status = 'dead', attempts = 10, last_error = 'gave up', finished_at = now() where id = ${dead.id}`.execute(
      db(),
    );

    const all: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await bridge.request(
        'GET',
        `/v1/jobs?kind=${kind}&account_id=${account}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      all.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(all.map((job) => job.id)).toEqual(ours.map((job) => String(job.id)).reverse());
    expect(all.every((job) => job.account_id === account && job.kind === kind)).toBe(true);

    const deadOnes = await bridge.request('GET', `/v1/jobs?kind=${kind}&status=dead`);
    expect(deadOnes.body.data).toEqual([
      expect.objectContaining({ id: String(dead.id), status: 'dead', attempts: 10, last_error: 'gave up', payload: { n: 0 } }),
    ]);

    // An installation, whatever its account, sees no jobs: they are the operator's.
    const deployment = (await bridge.createDeployment(account)).answer.body;
    const installationToken = (
      await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: `jobs-${kind.replaceAll('_', '-')}.zendesk.com` },
      })
    ).body.token as string;
    const state = async () => db().selectFrom('jobs').selectAll().where('kind', '=', kind).orderBy('id').execute();
    const expectRefused = refusalsLeaving(state);
    await expectRefused('admin_required', 403, () => bridge.request('GET', '/v1/jobs', { token: installationToken }));
    await expectRefused('admin_required', 403, () =>
      bridge.request('POST', `/v1/jobs/${dead.id}/replay`, { token: installationToken }),
    );
    await expectRefused('validation_failed', 422, () => bridge.request('GET', '/v1/jobs?status=stuck'));
    await expectRefused('validation_failed', 422, () => bridge.request('GET', '/v1/jobs?cursor=bm90LWEtY3Vyc29y'));
    const notDead = await expectRefused('job_not_dead', 409, () => bridge.request('POST', `/v1/jobs/${ours[1]!.id}/replay`));
    expect(notDead).toMatchObject({ job_status: 'queued', detail: expect.stringMatching(/is queued/) });
    await expectRefused('not_found', 404, () => bridge.request('POST', '/v1/jobs/999999999/replay'));
    await expectRefused('not_found', 404, () => bridge.request('POST', '/v1/jobs/abc/replay'));

    const replayed = await bridge.request('POST', `/v1/jobs/${dead.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: String(dead.id), status: 'queued', attempts: 0, finished_at: null });
    expect(await millisecondsAhead(dead.id, 'next_attempt_at')).toBeLessThanOrEqual(0);
    // Replayed twice: the second finds it queued.
    await expectRefused('job_not_dead', 409, () => bridge.request('POST', `/v1/jobs/${dead.id}/replay`));
    const script = scriptedHandler();
    const worker = runner(script.handler);
    while ((await worker.runOne()) !== 'idle') {
      // Run the replayed job and the others.
    }
    expect(await jobOf(dead.id)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('exports due, running and dead jobs and the age of the oldest due one, per kind', async () => {
    const due = [await enqueue(1), await enqueue(2)];
    await sql`update jobs set next_attempt_at = now() - interval '90 seconds' where id = ${due[0]!.id}`.execute(db());
    await enqueue(3, { delayMs: 3_600_000 });
    const running = await enqueue(4);
    await sql`update jobs set status = 'running', attempts = 1, lease_until = now() + interval '1 minute', next_attempt_at = now() + interval '1 hour' where id = ${running.id}`.execute(
      db(),
    );
    const dead = await enqueue(5);
    await sql`update jobs set status = 'dead', finished_at = now() where id = ${dead.id}`.execute(db());

    const text: string = (await bridge.request('GET', '/metrics', { token: null })).body;
    const value = (name: string) => {
      const line = text.split('\n').find((entry) => entry.startsWith(`${name}{kind="${kind}"}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    expect(value('wabridge_jobs_due')).toBe(2);
    expect(value('wabridge_jobs_running')).toBe(1);
    expect(value('wabridge_jobs_dead')).toBe(1);
    const age = value('wabridge_jobs_oldest_due_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(90 + 60);
  });
});
