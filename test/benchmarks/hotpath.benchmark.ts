/**
 * Hot-path benchmark (issue 16): not a test. It prints figures and never asserts a timing.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:hotpath -w test
 *
 * What the panels read on every ticket they open, against a bare Express handler answering fixed JSON in the same
 * run (the ceiling of this machine and client): `GET /v1/contacts/{phone}/status` (a contact's window), `GET
 * /v1/templates` and `GET /v1/pricing/quote?text=1`. Per backend, a Meta sandbox and the real bridge with one account,
 * deployment and Zendesk installation (sandbox-target.ts); `BENCH_CUSTOMERS` customers write first, so their
 * contacts exist, and the reads rotate over them. autocannon in a worker thread, `BENCH_CONNECTIONS` (16)
 * connections, `BENCH_WARMUP_REQUESTS` warm-up then `BENCH_REQUESTS` measured requests per endpoint, every answer
 * awaited. Answers other than 200 are counted and printed. The account gets point prices before the reads, so that the
 * quote is priced and answers 200 (without them it answers 409 pricing_not_configured).
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { sql } from 'kysely';
import { test } from 'vitest';
import { savePricingSettings } from '../../bridge-server/src/wallet/settings.js';
import { type CpuShares, cpuShares, startCpuProfile } from './diagnostics.js';
import { type LatencySummary, LoadGenerator, summarize } from './load.js';
import { environment, fixed, integer, loadAverage, out, percent, printMachine, whole } from './report.js';
import { customersWrite, type SendTarget, startSendTarget } from './sandbox-target.js';
import { pgliteDatabase, postgresDatabase } from './targets.js';

const settings = {
  connections: integer('BENCH_CONNECTIONS', 16),
  customers: integer('BENCH_CUSTOMERS', 200),
  warmupRequests: integer('BENCH_WARMUP_REQUESTS', 500),
  requests: integer('BENCH_REQUESTS', 5_000),
  logLevel: environment.BENCH_LOG_LEVEL ?? 'warn',
  postgresUrl: environment.BENCH_DATABASE_URL || environment.TEST_DATABASE_URL || undefined,
  targets: (environment.BENCH_TARGETS ?? 'pglite,postgres').split(',').map((name) => name.trim()),
  /**
   * ANALYZE once the customers have written (BENCH_ANALYZE=off: not), as sends.benchmark.ts does: the database is new,
   * and plans made while its tables had no statistics are not those of a bridge in service.
   */
  analyze: environment.BENCH_ANALYZE !== 'off',
};

const phonePrefix = '+8190';
const phoneBase = 30_000_000;
const phones = Array.from({ length: settings.customers }, (_, k) => `${phonePrefix}${phoneBase + k}`);

const endpoints = {
  status: phones.map((phone) => `/v1/contacts/${encodeURIComponent(phone)}/status`),
  templates: ['/v1/templates'],
  quote: phones.map((phone) => `/v1/pricing/quote?${new URLSearchParams({ to: phone, text: '1' })}`),
} as const;
type Endpoint = keyof typeof endpoints;

/** Express 5 answering a fixed JSON body the size of a status answer: the ceiling to compare with. */
async function startBareReader(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const answer = {
    phone: '+819030000000',
    window: { state: 'open', closes_at: '2026-12-06T10:00:00.000Z', free_entry_point: null },
    consent: { marketing: 'unknown' },
  };
  app.get('/{*rest}', (_request, response) => {
    response.json(answer);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Measured {
  target: string;
  endpoint: Endpoint;
  requests: number;
  perSecond: number;
  latency: LatencySummary;
  statuses: Record<string, number>;
  errors: number;
  serverElu: number;
  cpu: CpuShares;
  load: string;
}

async function measure(
  generator: LoadGenerator,
  target: string,
  url: string,
  token: string,
  endpoint: Endpoint,
): Promise<Measured> {
  const job = (amount: number) =>
    generator.run({
      kind: 'get',
      url,
      path: endpoints[endpoint][0] as string,
      paths: [...endpoints[endpoint]],
      headers: { authorization: `Bearer ${token}` },
      first: 0,
      amount,
      connections: settings.connections,
      pipelining: 1,
    });
  await job(settings.warmupRequests);
  // BENCH_PROFILE_DIR: a CPU profile of this thread (the bridge; the load runs in a worker thread) per measured run.
  const stopProfile =
    environment.BENCH_PROFILE_DIR === undefined || target.startsWith('bare')
      ? undefined
      : await startCpuProfile(environment.BENCH_PROFILE_DIR);
  const elu = performance.eventLoopUtilization();
  const cpu = cpuShares();
  const result = await job(settings.requests);
  await stopProfile?.(`hotpath-${endpoint}`);
  const serverElu = performance.eventLoopUtilization(elu).utilization;
  const shares = cpu();
  return {
    target,
    endpoint,
    requests: result.answered,
    perSecond: ((result.statuses['200'] ?? 0) * 1000) / result.elapsedMs,
    latency: summarize(result.latencies),
    statuses: result.statuses,
    errors: result.errors + result.timeouts,
    serverElu,
    cpu: shares,
    load: loadAverage(),
  };
}

async function hotPathBenchmark(): Promise<void> {
  out('## Hot path: the panels’ reads against a bare handler (issue 16)');
  out();
  await printMachine();
  out(
    `- load: autocannon in a worker thread, ${settings.connections} connections, pipelining 1; per endpoint ${whole(settings.warmupRequests)} warm-up then ${whole(settings.requests)} measured requests; ${whole(settings.customers)} customers (contacts) the reads rotate over; ${settings.analyze ? 'ANALYZE after they wrote (BENCH_ANALYZE=off: not)' : 'no ANALYZE (BENCH_ANALYZE=off)'}`,
  );
  out();
  const generator = new LoadGenerator();
  const rows: Measured[] = [];
  try {
    const bare = await startBareReader();
    try {
      // One pass thrown away first: the load generator's worker and this process start cold, and the first endpoint
      // measured would otherwise carry their warm-up (the bare handler's status figure was 10–40% below its others).
      for (const endpoint of Object.keys(endpoints) as Endpoint[]) {
        await measure(generator, 'bare Express handler (fixed JSON)', bare.url, 'none', endpoint);
      }
      for (const endpoint of Object.keys(endpoints) as Endpoint[]) {
        rows.push(await measure(generator, 'bare Express handler (fixed JSON)', bare.url, 'none', endpoint));
      }
    } finally {
      await bare.close();
    }
    const starts: [string, () => Promise<SendTarget>][] = [];
    const statusDelaysMs = { sent: 50, delivered: 150, read: 300 };
    if (settings.targets.includes('pglite')) {
      starts.push([
        'pglite',
        async () =>
          startSendTarget('bridge on PGlite (disk)', await pgliteDatabase(), { logLevel: settings.logLevel, statusDelaysMs }),
      ]);
    }
    const postgresUrl = settings.postgresUrl;
    if (settings.targets.includes('postgres') && postgresUrl !== undefined) {
      starts.push([
        'postgres',
        async () =>
          startSendTarget('bridge on PostgreSQL', await postgresDatabase(postgresUrl), {
            logLevel: settings.logLevel,
            statusDelaysMs,
          }),
      ]);
    }
    for (const [, start] of starts) {
      const target = await start();
      try {
        await customersWrite(target, { customers: settings.customers, phonePrefix, phoneBase });
        // Point prices for the account, so that the quote answers 200 (without them it is refused: not metered).
        const { db } = target;
        const { account_id: accountId } = await db
          .selectFrom('deployments')
          .select('account_id')
          .where('id', '=', target.deploymentId)
          .executeTakeFirstOrThrow();
        await savePricingSettings(db, accountId, {
          currency: 'JPY',
          pointPriceMinor: 1,
          quantityPrices: [],
          feePercentBasisPoints: 0,
          taxRateBasisPoints: 1000,
          pointValueMicroUsd: 6_500,
        });
        if (settings.analyze) await sql`analyze`.execute(db);
        for (const endpoint of Object.keys(endpoints) as Endpoint[]) {
          rows.push(await measure(generator, target.name, target.url, target.token, endpoint));
        }
      } finally {
        await target.close();
      }
    }
  } finally {
    await generator.close();
  }
  out(
    '| target | endpoint | requests | 200 answers/s | vs bare | p50 ms | p90 ms | p99 ms | max ms | answers | errors | server ELU | CPU: machine / others / this process | load average |',
  );
  out('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|');
  for (const row of rows) {
    const bare = rows.find((candidate) => candidate.endpoint === row.endpoint && candidate.target.startsWith('bare'));
    const ratio = bare === undefined || bare === row ? undefined : row.perSecond / bare.perSecond;
    const answers = Object.entries(row.statuses)
      .map(([status, count]) => `${status}: ${whole(count)}`)
      .join(', ');
    out(
      `| ${row.target} | ${row.endpoint} | ${whole(row.requests)} | ${whole(row.perSecond)} | ${ratio === undefined ? '—' : percent(ratio)} | ${fixed(row.latency.p50)} | ${fixed(row.latency.p90)} | ${fixed(row.latency.p99)} | ${fixed(row.latency.max)} | ${answers} | ${whole(row.errors)} | ${fixed(row.serverElu)} | ${percent(row.cpu.machine)} / ${percent(row.cpu.others)} / ${percent(row.cpu.process)} | ${row.load} |`,
    );
  }
}

test('hot path', { timeout: 20 * 60_000 }, hotPathBenchmark);
