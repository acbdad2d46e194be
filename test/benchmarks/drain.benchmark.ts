import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import pino from 'pino';
import { it } from 'vitest';
import type { Schema } from '../../bridge-server/src/storage/schema.js';
import { insertWebhooks } from '../../bridge-server/src/webhooks/inbox.js';
import { WebhookProcessor } from '../../bridge-server/src/webhooks/processor.js';
import { startCpuProfile } from './diagnostics.js';
import { environment, integer, loadAverage, out, printMachine, whole } from './report.js';
import { postgresDatabase, startBridgeTarget } from './targets.js';
import { buildBodyPool, eventsIn, poolBody } from './webhook-bodies.js';

/**
 * How fast the webhook processor applies a stored backlog on PostgreSQL, alone: no HTTP, no ingestion, the same pool of
 * bodies as the sustained benchmark, stored first and then drained by one processor per configuration (webhooks per
 * transaction, transactions in flight), each on a fresh database. It bounds what the sustained benchmark can apply
 * (ingestion takes the rest of the machine), and with pg_stat_statements loaded it prints where the database's time
 * went per statement kind. Figures, not a test: it fails only when a webhook is left unapplied.
 */

interface Configuration {
  batchSize: number;
  parallelBatches: number;
}

const settings = {
  postgresUrl: environment.BENCH_DATABASE_URL,
  webhooks: integer('BENCH_WEBHOOKS', 20_000),
  /** A directory: each configuration's drain is CPU-profiled (this process: the processor's JavaScript) into it. */
  profileDir: environment.BENCH_PROFILE_DIR,
  configurations: (environment.BENCH_CONFIGURATIONS ?? '250x1,250x2,500x1,100x4').split(',').map((entry) => {
    const [batchSize, parallelBatches] = entry.split('x').map(Number);
    if (!Number.isInteger(batchSize) || !Number.isInteger(parallelBatches)) throw new Error(`bad configuration ${entry}`);
    return { batchSize, parallelBatches } as Configuration;
  }),
};

const silent = pino({ level: 'silent' });

it.skipIf(settings.postgresUrl === undefined)('drain a stored backlog of webhooks', async () => {
  const postgresUrl = settings.postgresUrl as string;
  const appSecret = randomBytes(16).toString('hex');
  const phoneNumberId = '10698765432100';
  const pool = buildBodyPool({ count: settings.webhooks, appSecret, phoneNumberId });
  const events = eventsIn(pool, 0, pool.count);
  out('## Draining a stored webhook backlog (processor alone, PostgreSQL)');
  out('');
  await printMachine();
  out(`- backlog: ${whole(pool.count)} stored webhooks carrying ${whole(events)} events (25% inbound messages)`);
  out('');
  out(
    '| webhooks per batch × batches in flight | drained in s | webhooks/s | events/s | statements | database ms per 1,000 webhooks (top 4) |',
  );
  out('|---|---:|---:|---:|---:|---|');
  for (const configuration of settings.configurations) {
    const target = await startBridgeTarget('drain', await postgresDatabase(postgresUrl), { appSecret, phoneNumberId }, 'warn');
    try {
      const bridge = target.bridge?.running;
      if (bridge === undefined) throw new Error('no bridge');
      await bridge.processor.stop();
      const db = bridge.database.db;
      const deploymentId = target.bridge?.deploymentId as string;
      for (let first = 0; first < pool.count; first += 1_000) {
        const rows = [];
        for (let index = first; index < Math.min(pool.count, first + 1_000); index += 1) {
          const body = poolBody(pool, index);
          rows.push({ deployment_id: deploymentId, body: Buffer.from(body), body_sha256: randomBytes(32).toString('hex') });
        }
        await insertWebhooks(db, rows);
      }
      const statements = await statementStats(db, 'reset');
      const processor = new WebhookProcessor(db, silent, configuration);
      const stopProfile = settings.profileDir === undefined ? undefined : await startCpuProfile(settings.profileDir);
      const started = performance.now();
      for (;;) {
        const outcomes = await Promise.all(
          Array.from({ length: configuration.parallelBatches }, () => processor.processBatch(configuration.batchSize)),
        );
        if (outcomes.every((outcome) => outcome === 'idle')) break;
      }
      const seconds = (performance.now() - started) / 1000;
      await stopProfile?.(`drain-${configuration.batchSize}x${configuration.parallelBatches}`);
      const left = await sql<{ count: string }>`select count(*) as count from webhook_events where processed_at is null`.execute(
        db,
      );
      if (Number(left.rows[0]?.count) !== 0) throw new Error(`${left.rows[0]?.count} webhooks left unapplied`);
      const spent = statements ? await statementStats(db, 'read') : undefined;
      const top = (spent ?? [])
        .slice(0, 4)
        .map((row) => `${row.statement} ${whole((row.ms * 1000) / pool.count)} (${whole(row.calls)})`)
        .join('; ');
      out(
        `| ${configuration.batchSize} × ${configuration.parallelBatches} | ${seconds.toFixed(1)} | ${whole(pool.count / seconds)} | ${whole(events / seconds)} | ${spent ? whole(spent.reduce((sum, row) => sum + row.calls, 0)) : '—'} | ${top || '— (pg_stat_statements not loaded)'} |`,
      );
    } finally {
      await target.close();
    }
  }
  out('');
  out(`- load average at the end ${loadAverage()}`);
});

/**
 * pg_stat_statements, when the server loads it: reset before a run, then the database's time per statement kind (its
 * first words). Undefined when the extension is not available (the table prints without it).
 */
async function statementStats(
  db: Kysely<Schema>,
  mode: 'reset' | 'read',
): Promise<{ statement: string; calls: number; ms: number }[] | undefined> {
  try {
    await sql`create extension if not exists pg_stat_statements`.execute(db);
    if (mode === 'reset') {
      await sql`select pg_stat_statements_reset()`.execute(db);
      return [];
    }
    const rows = await sql<{ statement: string; calls: string; ms: number }>`
      select left(regexp_replace(query, '\\s+', ' ', 'g'), 40) as statement, sum(calls) as calls, sum(total_exec_time) as ms
      from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
        and query not like '%pg_stat_statements%'
      group by 1 order by 3 desc`.execute(db);
    return rows.rows.map((row) => ({
      statement: row.statement.replaceAll('"', ''),
      calls: Number(row.calls),
      ms: Number(row.ms),
    }));
  } catch {
    return undefined;
  }
}
