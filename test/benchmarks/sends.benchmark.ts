/**
 * Send benchmark (issue 4): not a test. It prints figures and never asserts a timing; it fails only when the run
 * itself is invalid (a send was refused or failed, or a message was sent twice or lost).
 *
 *   npm run bench:sends -w test
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:sends -w test
 *
 * Per backend (PGlite with its data directory on disk; PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL names
 * a server): a Meta sandbox and the real bridge (startBridge, production configuration apart from the log level) wired
 * to each other, one account without pricing settings (sends are not charged), a deployment and a Zendesk
 * installation. Customers first write to the business through the sandbox, so their 24-hour window is open; then
 * autocannon, in a worker thread, sends free-form text replies with `POST /v1/messages`, rotating over the customers,
 * each request with its own Idempotency-Key. The sandbox accepts up to 100,000 sends/s per number (it is not the
 * limit) and emits sent/delivered/read statuses 50/150/300 ms after each send, so status webhooks flow into the bridge
 * during the run, as in production. Afterwards: 202 answers = messages the bridge recorded as accepted = messages the
 * sandbox accepted, each text once.
 */

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { sql } from 'kysely';
import { test } from 'vitest';
import { type CpuShares, cpuShares, startCpuProfile } from './diagnostics.js';
import { type LatencySummary, LoadGenerator, type LoadResult, summarize } from './load.js';
import { environment, fixed, integer, loadAverage, out, percent, printMachine, whole } from './report.js';
import { customersWrite, type SendTarget, startSendTarget, startSendTargetProcess } from './sandbox-target.js';
import { pgliteDatabase, postgresDatabase } from './targets.js';

const settings = {
  connections: integer('BENCH_CONNECTIONS', 16),
  /** Customers who wrote before the load; sends rotate over them. */
  customers: integer('BENCH_CUSTOMERS', 500),
  /** Sent first, not measured (JIT, connection pools, PGlite's caches). */
  warmupRequests: integer('BENCH_WARMUP_REQUESTS', 200),
  requests: integer('BENCH_REQUESTS', 2_000),
  statusDelaysMs: { sent: 50, delivered: 150, read: 300 },
  logLevel: environment.BENCH_LOG_LEVEL ?? 'warn',
  /**
   * ANALYZE after the warm-up (BENCH_ANALYZE=off: not). The database is new: the plans the bridge's connections cache
   * during the warm-up were made on nearly empty tables, and PostgreSQL keeps them until statistics change, which
   * autovacuum does within a minute of a table's growth in a live database but not within a run of seconds. A plan
   * from an empty `messages` table picks a (deployment, …) index and filters a deployment's every message.
   */
  analyze: environment.BENCH_ANALYZE !== 'off',
  /**
   * Messages the number sent before the run (BENCH_HISTORY_MESSAGES, 0: none), with their three statuses: a live
   * bridge's tables are not empty, and a plan made for a table of a few hundred rows (a sequential scan) is kept while
   * the run grows it tenfold.
   */
  historyMessages: environment.BENCH_HISTORY_MESSAGES === '0' ? 0 : integer('BENCH_HISTORY_MESSAGES', 20_000),
  postgresUrl: environment.BENCH_DATABASE_URL || environment.TEST_DATABASE_URL || undefined,
  targets: (environment.BENCH_TARGETS ?? 'pglite,postgres').split(',').map((name) => name.trim()),
};

const phonePrefix = '+8190';
const phoneBase = 20_000_000;

// ---------------------------------------------------------------------------------------------------
// Measuring

const accepted = (result: LoadResult) => result.statuses['202'] ?? 0;

interface Phase {
  load: LoadResult;
  latency: LatencySummary;
  acceptedPerSecond: number;
  serverElu: number;
  clientElu: number;
  cpu: CpuShares;
}

async function loadPhase(
  target: Pick<SendTarget, 'url' | 'token'>,
  generator: LoadGenerator,
  keyPrefix: string,
  first: number,
  amount: number,
) {
  const serverBefore = performance.eventLoopUtilization();
  const clientBefore = generator.eventLoopUtilization();
  const cpu = cpuShares();
  // BENCH_PROFILE_DIR: a CPU profile of the server thread (bridge and sandbox; the load runs in a worker thread).
  const stopProfile =
    environment.BENCH_PROFILE_DIR === undefined ? undefined : await startCpuProfile(environment.BENCH_PROFILE_DIR);
  const load = await generator.run({
    kind: 'sends',
    url: target.url,
    path: '/v1/messages',
    pipelining: 1,
    token: target.token,
    keyPrefix,
    phonePrefix,
    phoneBase,
    customers: settings.customers,
    first,
    amount,
    connections: settings.connections,
  });
  await stopProfile?.(`sends-${keyPrefix}`);
  return {
    load,
    latency: summarize(load.latencies),
    acceptedPerSecond: (accepted(load) * 1000) / load.elapsedMs,
    cpu: cpu(),
    serverElu: performance.eventLoopUtilization(serverBefore).utilization,
    clientElu: generator.eventLoopUtilization(clientBefore).utilization,
  } satisfies Phase;
}

interface Check {
  answered202: number;
  /** Messages the bridge recorded for the installation, by state. */
  recorded: number;
  recordedAccepted: number;
  recordedDistinctTexts: number;
  /** Messages the sandbox accepted for the number, and their distinct texts. */
  sandboxAccepted: number;
  sandboxDistinctTexts: number;
  statusesStored: number;
  settleMs: number;
}

interface Measurement {
  name: string;
  storage: string;
  windowsMs: number;
  main: Phase;
  check: Check;
  otherAnswers: Record<string, number>;
  /** The bridge runs in its own process: this thread's ELU is then the sandbox's, not the bridge's. */
  bridgeProcess: boolean;
}

async function check(target: SendTarget, answered202: number): Promise<Check> {
  const startedAt = performance.now();
  await target.settle();
  const settleMs = performance.now() - startedAt;
  const { db } = target;
  const row = await db
    .selectFrom('messages')
    .select((eb) => [
      eb.fn.countAll<number>().as('recorded'),
      eb.fn.count<number>('id').filterWhere('state', '=', 'accepted').as('accepted'),
      eb.fn.count<number>('content').distinct().as('texts'),
    ])
    .where('deployment_id', '=', target.deploymentId)
    // Not the history the run started with (seedHistory: a day old).
    .where('created_at', '>', sql<Date>`now() - interval '1 hour'`)
    .executeTakeFirstOrThrow();
  const statuses = await db
    .selectFrom('message_statuses')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('wamid', 'not like', 'wamid.history-%')
    .executeTakeFirstOrThrow();
  const sent = [...target.sandbox.state.messages.values()].filter(
    (message) => message.phoneNumberId === target.phoneNumberId && message.httpOutcome === 'answered',
  );
  const texts = new Set(sent.map((message) => JSON.stringify((message.request as { text?: unknown }).text)));
  return {
    answered202,
    recorded: Number(row.recorded),
    recordedAccepted: Number(row.accepted),
    recordedDistinctTexts: Number(row.texts),
    sandboxAccepted: sent.length,
    sandboxDistinctTexts: texts.size,
    statusesStored: Number(statuses.count),
    settleMs,
  };
}

/** `count` messages sent a day ago to other customers, each sent, delivered and read: the number's history. */
async function seedHistory(target: SendTarget, count: number): Promise<void> {
  if (count === 0) return;
  const { db, deploymentId } = target;
  await sql`
    insert into messages (id, deployment_id, recipient_phone, kind, content, wamid, state, source, created_at, updated_at)
    select 'msg_' || substr(md5('history' || i), 1, 24), ${deploymentId}, '+8180' || (10000000 + i), 'text',
      '{"text": {"body": "earlier"}}', 'wamid.history-' || i, 'accepted', 'agent', now() - interval '1 day',
      now() - interval '1 day'
    from generate_series(1, ${count}) as i`.execute(db);
  // The webhook that brought them all (a status row names the webhook it came in).
  const webhook = await db
    .insertInto('webhook_events')
    .values({
      deployment_id: deploymentId,
      body: Buffer.from('{}'),
      body_sha256: randomBytes(32).toString('hex'),
      processed_at: sql<Date>`now()`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`
    insert into message_statuses (deployment_id, wamid, status, occurred_at, recipient_wa_id, payload, webhook_event_id)
    select ${deploymentId}, 'wamid.history-' || i, status, now() - interval '1 day', '8180' || (10000000 + i), '{}',
      ${webhook.id}
    from generate_series(1, ${count}) as i, unnest(array['sent', 'delivered', 'read']) as status`.execute(db);
}

async function measure(target: SendTarget, generator: LoadGenerator): Promise<Measurement> {
  const windowsMs = await customersWrite(target, { customers: settings.customers, phonePrefix, phoneBase });
  await seedHistory(target, settings.historyMessages);
  const keyPrefix = randomBytes(6).toString('hex');
  const warmup = await loadPhase(target, generator, keyPrefix, 0, settings.warmupRequests);
  if (settings.analyze) await sql`analyze`.execute(target.db);
  const main = await loadPhase(target, generator, keyPrefix, settings.warmupRequests, settings.requests);
  const otherAnswers: Record<string, number> = {};
  for (const load of [warmup.load, main.load]) {
    for (const [status, count] of Object.entries(load.statuses)) {
      if (status !== '202') otherAnswers[status] = (otherAnswers[status] ?? 0) + count;
    }
    if (load.errors + load.timeouts > 0) otherAnswers.errors = (otherAnswers.errors ?? 0) + load.errors + load.timeouts;
  }
  return {
    name: target.name,
    storage: target.storage,
    windowsMs,
    main,
    check: await check(target, accepted(warmup.load) + accepted(main.load)),
    otherAnswers,
    bridgeProcess: target.running === undefined,
  };
}

/**
 * The baseline in the same run: a bare Express 5 handler for POST /v1/messages (express.json, the Idempotency-Key
 * and bearer read, a fixed 202 JSON answer), nothing stored and nothing sent: the ceiling of this machine and client.
 */
async function measureBare(generator: LoadGenerator): Promise<Phase> {
  const app = express();
  app.post('/v1/messages', express.json(), (request, response) => {
    const key = request.get('idempotency-key') ?? '';
    const authorized = (request.get('authorization') ?? '').startsWith('Bearer ');
    response
      .status(authorized && key !== '' ? 202 : 400)
      .json({ id: 'msg_bare', to: (request.body as { to?: string }).to, state: 'accepted', idempotency_key: key });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const target = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'wbi_bare' };
    const keyPrefix = randomBytes(6).toString('hex');
    await loadPhase(target, generator, keyPrefix, 0, settings.warmupRequests);
    return await loadPhase(target, generator, keyPrefix, settings.warmupRequests, settings.requests);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

// ---------------------------------------------------------------------------------------------------
// Printing

const cpuCell = (cpu: CpuShares) => `${percent(cpu.machine)} / ${percent(cpu.others)} / ${percent(cpu.process)}`;

function printMain(bare: Phase, measurements: Measurement[]) {
  out(
    '| target | requests | accepted sends/s | vs bare | p50 ms | p90 ms | p99 ms | max ms | mean ms | non-2xx | errors | server ELU | client ELU | machine CPU |',
  );
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rows: Pick<Measurement, 'name' | 'main' | 'bridgeProcess'>[] = [
    { name: 'bare Express handler (202, nothing stored or sent)', main: bare, bridgeProcess: false },
    ...measurements,
  ];
  for (const m of rows) {
    const { load, latency } = m.main;
    const share = m.main === bare ? '—' : percent(m.main.acceptedPerSecond / bare.acceptedPerSecond);
    out(
      `| ${m.name} | ${whole(load.answered)} | ${whole(m.main.acceptedPerSecond)} | ${share} | ${fixed(latency.p50)} | ${fixed(latency.p90)} | ${fixed(latency.p99)} | ${fixed(latency.max)} | ${fixed(latency.mean)} | ${whole(load.non2xx)} | ${whole(load.errors + load.timeouts)} | ${m.bridgeProcess ? `sandbox ${fixed(m.main.serverElu)}` : fixed(m.main.serverElu)} | ${fixed(m.main.clientElu)} | ${cpuCell(m.main.cpu)} |`,
    );
  }
  out();
  out(
    'machine CPU: busy share of all CPUs / other processes (PostgreSQL) / this process. The bridge and the sandbox share the server thread (server ELU; a bridge in its own process is in other processes, and the cell shows the sandbox thread); the load generator has its own (client ELU).',
  );
}

function printChecks(measurements: Measurement[]) {
  out(
    '| target | 202 answers | recorded by the bridge (accepted) | distinct texts recorded | accepted by the sandbox | distinct texts at the sandbox | statuses stored (3 per send) | settled after the load | nothing twice, nothing lost |',
  );
  out('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const m of measurements) {
    const c = m.check;
    const valid = isValid(m);
    out(
      `| ${m.name} | ${whole(c.answered202)} | ${whole(c.recorded)} (${whole(c.recordedAccepted)}) | ${whole(c.recordedDistinctTexts)} | ${whole(c.sandboxAccepted)} | ${whole(c.sandboxDistinctTexts)} | ${whole(c.statusesStored)} | ${fixed(c.settleMs / 1000)} s | ${valid ? 'yes' : 'NO'} |`,
    );
  }
}

function isValid(m: Measurement): boolean {
  const c = m.check;
  const expected = settings.warmupRequests + settings.requests;
  return (
    Object.keys(m.otherAnswers).length === 0 &&
    c.answered202 === expected &&
    c.recorded === expected &&
    c.recordedAccepted === expected &&
    c.recordedDistinctTexts === expected &&
    c.sandboxAccepted === expected &&
    c.sandboxDistinctTexts === expected
  );
}

// ---------------------------------------------------------------------------------------------------

async function sendsBenchmark(): Promise<void> {
  out();
  out('## Sends per second');
  out();
  await printMachine();
  out(
    `- load: autocannon in a worker thread, ${settings.connections} connections, 127.0.0.1; per backend ${whole(settings.warmupRequests)} warm-up sends, then ${whole(settings.requests)} measured, every answer awaited; each a free-form text reply (distinct text) to one of ${whole(settings.customers)} customers in turn, who all wrote before the load (window open), with its own Idempotency-Key`,
  );
  out(
    `- sandbox: in this process, throughput limit 100,000 sends/s per number, statuses sent/delivered/read ${settings.statusDelaysMs.sent}/${settings.statusDelaysMs.delivered}/${settings.statusDelaysMs.read} ms after each send, one webhook per status (they reach the bridge during the load)`,
  );
  out(
    `- bridge: startBridge() with LOG_LEVEL=${settings.logLevel}, account without pricing settings (no charges); ${settings.analyze ? 'ANALYZE after the warm-up (BENCH_ANALYZE=off: not)' : 'no ANALYZE after the warm-up (BENCH_ANALYZE=off)'}; PGlite data directory on disk under ${tmpdir()}; ${settings.postgresUrl ? 'PostgreSQL: a throw-away database, the default pool (DATABASE_POOL_MAX=10)' : 'PostgreSQL skipped (set BENCH_DATABASE_URL)'}`,
  );

  const starts: (() => Promise<SendTarget>)[] = [];
  if (settings.targets.includes('pglite')) {
    starts.push(async () => startSendTarget('bridge on PGlite (disk)', await pgliteDatabase(), settings));
  }
  const postgresUrl = settings.postgresUrl;
  if (postgresUrl && settings.targets.includes('postgres')) {
    starts.push(async () => startSendTarget('bridge on PostgreSQL', await postgresDatabase(postgresUrl), settings));
  }
  if (postgresUrl && settings.targets.includes('postgres-1p')) {
    starts.push(async () =>
      startSendTargetProcess('one bridge process on PostgreSQL', await postgresDatabase(postgresUrl), settings),
    );
  }
  const generator = new LoadGenerator();
  const measurements: Measurement[] = [];
  let bare: Phase;
  try {
    bare = await measureBare(generator);
    for (const start of starts) {
      const target = await start();
      try {
        const measurement = await measure(target, generator);
        out(
          `- ${target.name}: storage ${target.storage}; ${whole(settings.customers)} customers wrote in ${fixed(measurement.windowsMs / 1000)} s`,
        );
        measurements.push(measurement);
      } finally {
        await target.close();
      }
    }
  } finally {
    await generator.close();
  }
  out(`- load average at the end ${loadAverage()} (other processes on the machine lower every figure)`);
  out();
  out('### Accepted sends per second and latency of POST /v1/messages');
  out();
  printMain(bare, measurements);
  out();
  out('### Every accepted send reached Meta once');
  out();
  printChecks(measurements);
  out();

  const problems = measurements.flatMap((m) =>
    isValid(m) ? [] : [`${m.name}: answers other than 202 ${JSON.stringify(m.otherAnswers)}, ${JSON.stringify(m.check)}`],
  );
  if (problems.length > 0) throw new Error(`the run is not valid:\n  ${problems.join('\n  ')}`);
}

test('sends per second', { timeout: 10 * 60_000 }, sendsBenchmark);
