import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { it } from 'vitest';
import type { Schema } from '../../bridge-server/src/storage/schema.js';
import { environment, fixed, integer, out, printMachine, whole } from './report.js';
import { postgresDatabase, startBridgeTarget } from './targets.js';

/**
 * Growth (issue 16): a throw-away PostgreSQL database filled with `BENCH_GROWTH_EVENTS` webhook events (10 M by
 * default) and `BENCH_GROWTH_CONTACTS` contacts (1 M) with generate_series, then EXPLAIN (ANALYZE, BUFFERS) of the
 * bridge's hot queries: the plan's top node, whether any node reads a table sequentially, the time and the buffers.
 * Figures, not a test: it fails only when a hot query reads one of the grown tables sequentially. The database is
 * dropped at the end unless BENCH_GROWTH_KEEP=1 (then its name is printed).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:growth -w test
 *
 * Disk: ~420 bytes a webhook event with its indexes (the stored body here is short, ~60 bytes; Meta's are ~900), so
 * 10 M events take ~4–5 GB and 1 M contacts ~250 MB; check `df -h` first.
 */

const settings = {
  postgresUrl: environment.BENCH_DATABASE_URL || environment.TEST_DATABASE_URL || undefined,
  events: integer('BENCH_GROWTH_EVENTS', 10_000_000),
  contacts: integer('BENCH_GROWTH_CONTACTS', 1_000_000),
  /** Rows per INSERT … SELECT generate_series: one statement (one transaction) each. */
  chunk: integer('BENCH_GROWTH_CHUNK', 1_000_000),
  keep: environment.BENCH_GROWTH_KEEP === '1',
};

/** Unprocessed webhooks left at the newest end (the processor's backlog), and dead letters among the old. */
const pendingEvents = 1_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

async function timed(label: string, run: () => Promise<unknown>): Promise<void> {
  const startedAt = performance.now();
  await run();
  out(`- ${label}: ${fixed((performance.now() - startedAt) / 1000, 1)} s`);
}

async function fill(db: Kysely<Schema>, deploymentId: string): Promise<void> {
  for (let start = 1; start <= settings.contacts; start += settings.chunk) {
    const end = Math.min(settings.contacts, start + settings.chunk - 1);
    await timed(`contacts ${whole(start)}–${whole(end)}`, () =>
      sql`
        INSERT INTO contacts (deployment_id, wa_id, user_id, profile_name, last_inbound_at)
        SELECT ${deploymentId}, '8190' || lpad(g::text, 8, '0'), 'JP.' || g, 'Customer ' || g,
               now() - (g % 172800) * interval '1 second'
        FROM generate_series(${start}::bigint, ${end}::bigint) AS g`.execute(db),
    );
  }
  // Received over the last 30 days, oldest first, each processed 50 ms after it arrived; the newest few not yet.
  const spanS = 30 * 24 * 3600;
  for (let start = 1; start <= settings.events; start += settings.chunk) {
    const end = Math.min(settings.events, start + settings.chunk - 1);
    await timed(`webhook_events ${whole(start)}–${whole(end)}`, () =>
      sql`
        INSERT INTO webhook_events (deployment_id, body, body_sha256, received_at, processed_at, attempts, next_attempt_at,
                                    dead_lettered_at, last_error)
        SELECT ${deploymentId},
               convert_to('{"object":"whatsapp_business_account","entry":[{"id":"' || g || '","changes":[]}]}', 'UTF8'),
               encode(sha256(int8send(g)), 'hex'),
               t,
               CASE WHEN g > ${settings.events - pendingEvents} OR g % 1000000 = 0 THEN NULL ELSE t + interval '50 milliseconds' END,
               CASE WHEN g > ${settings.events - pendingEvents} THEN 0 ELSE 1 END,
               t,
               CASE WHEN g % 1000000 = 0 THEN t ELSE NULL END,
               CASE WHEN g % 1000000 = 0 THEN 'dead-lettered for the benchmark' ELSE NULL END
        FROM (SELECT g, now() - ${spanS} * interval '1 second' + (g::float8 / ${settings.events}) * ${spanS} * interval '1 second' AS t
              FROM generate_series(${start}::bigint, ${end}::bigint) AS g) AS rows`.execute(db),
    );
  }
  await timed('VACUUM ANALYZE contacts, webhook_events', async () => {
    await sql`VACUUM ANALYZE contacts`.execute(db);
    await sql`VACUUM ANALYZE webhook_events`.execute(db);
  });
}

/** The hot queries, as the bridge sends them (see the file each names), with values the filled database has. */
function hotQueries(deploymentId: string) {
  const middle = Math.floor(settings.contacts / 2);
  const waId = (n: number) => `8190${String(n).padStart(8, '0')}`;
  const waIds = Array.from({ length: 50 }, (_, index) => waId(middle + index * 7));
  return [
    {
      name: 'processor: claim a batch (webhooks/processor.ts #claim)',
      query: sql`SELECT id, deployment_id, body, attempts FROM webhook_events
        WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND next_attempt_at <= now()
        ORDER BY next_attempt_at, id LIMIT 250 FOR UPDATE SKIP LOCKED`,
    },
    {
      name: 'processor: anything due? (processor.ts nothingDue)',
      query: sql`SELECT id FROM webhook_events
        WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND next_attempt_at <= now() LIMIT 1`,
    },
    {
      name: '/metrics: backlog (webhooks/metrics.ts)',
      query: sql`SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND dead_lettered_at IS NULL`,
    },
    {
      name: '/metrics: dead letters (webhooks/metrics.ts)',
      query: sql`SELECT count(*) FROM webhook_events WHERE dead_lettered_at IS NOT NULL`,
    },
    {
      name: 'ingestion: a body stored already? (webhooks/inbox.ts, unique key)',
      query: sql`SELECT id FROM webhook_events WHERE deployment_id = ${deploymentId}
        AND body_sha256 = encode(sha256(int8send(${Math.floor(settings.events / 3)}::bigint)), 'hex')`,
    },
    {
      name: 'retention: the next bodies to prune (webhooks/retention.ts)',
      query: sql`SELECT id FROM webhook_events WHERE body IS NOT NULL AND processed_at IS NOT NULL
        AND processed_at < now() - interval '7 days' ORDER BY processed_at LIMIT 500 FOR UPDATE SKIP LOCKED`,
    },
    {
      name: 'status endpoint: the contact by phone (contacts/store.ts findContactByPhone)',
      query: sql`SELECT * FROM contacts WHERE deployment_id = ${deploymentId} AND wa_id = ${waId(middle)}`,
    },
    {
      name: 'processor: a batch’s contacts (webhooks/contacts.ts BatchContacts.hold)',
      query: sql`SELECT * FROM contacts WHERE deployment_id IN (${deploymentId})
        AND (wa_id IN (${sql.join(waIds)}) OR user_id IN (${sql.join(waIds.map((id) => `JP.${Number(id.slice(4))}`))}))
        ORDER BY id FOR UPDATE`,
    },
    {
      name: 'processor: lag of the newest webhooks (sustained benchmark, by id)',
      query: sql`SELECT max(processed_at - received_at) FROM webhook_events WHERE id > ${settings.events - 5_000}`,
    },
  ];
}

it('growth: hot queries with millions of webhook events and contacts', async () => {
  const url = settings.postgresUrl;
  out('## Growth: hot queries on a grown PostgreSQL database');
  out();
  if (url === undefined) {
    out('- skipped: set BENCH_DATABASE_URL (a PostgreSQL server; a throw-away database is created on it)');
    return;
  }
  await printMachine();
  const database = await postgresDatabase(url);
  const target = await startBridgeTarget(
    'growth',
    database,
    { appSecret: randomBytes(16).toString('hex'), phoneNumberId: '106540352242933' },
    'warn',
  );
  const running = target.bridge?.running;
  const deploymentId = target.bridge?.deploymentId;
  if (running === undefined || deploymentId === undefined) throw new Error('the growth target has no bridge');
  const db = running.database.db;
  // The bridge's own workers stay out of the way (its processor would claim the pending rows).
  await running.processor.stop();
  const sequential: string[] = [];
  try {
    out(
      `- database ${database.url?.replace(/\/\/[^@]*@/, '//')}: ${whole(settings.events)} webhook events, ${whole(settings.contacts)} contacts`,
    );
    await fill(db, deploymentId);
    const size = await sql<{ size: string }>`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`.execute(db);
    out(`- database size after filling: ${size.rows[0]?.size}`);
    out();
    out('| query | top plan node | nodes (index used) | sequential scan | execution ms | shared hit / read blocks |');
    out('|---|---|---|---|---:|---:|');
    for (const { name, query } of hotQueries(deploymentId)) {
      // Inside a transaction rolled back at once: FOR UPDATE locks nothing for long, and nothing changes.
      const plan = await db
        .transaction()
        .execute(async (transaction) => {
          const explained = await sql<{
            'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }];
          }>`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query}`.execute(transaction);
          throw Object.assign(new Error('rollback'), { explained: explained.rows[0]?.['QUERY PLAN'][0] });
        })
        .catch((error: { explained?: { Plan: PlanNode; 'Execution Time': number } }) => {
          if (error.explained === undefined) throw error;
          return error.explained;
        });
      const nodes = nodesOf(plan.Plan);
      const seqScans = nodes.filter((node) => node['Node Type'] === 'Seq Scan');
      if (seqScans.length > 0) sequential.push(`${name}: ${seqScans.map((node) => node['Relation Name']).join(', ')}`);
      const described = nodes
        .map(
          (node) =>
            `${node['Node Type']}${node['Index Name'] ? ` (${node['Index Name']})` : node['Relation Name'] ? ` (${node['Relation Name']})` : ''}`,
        )
        .join(' → ');
      out(
        `| ${name} | ${plan.Plan['Node Type']} | ${described} | ${seqScans.length > 0 ? `**yes**: ${seqScans.map((node) => node['Relation Name']).join(', ')}` : 'no'} | ${fixed(plan['Execution Time'], 3)} | ${whole(plan.Plan['Shared Hit Blocks'] ?? 0)} / ${whole(plan.Plan['Shared Read Blocks'] ?? 0)} |`,
      );
    }
    out();
    out(
      sequential.length === 0 ? '- no hot query reads a table sequentially' : `- **sequential scans**: ${sequential.join('; ')}`,
    );
  } finally {
    if (settings.keep) {
      out(`- kept: ${database.url}`);
      await running.close();
    } else {
      await target.close();
    }
  }
  if (sequential.length > 0) throw new Error(`hot queries read tables sequentially:\n${sequential.join('\n')}`);
});
