import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../../bridge-server/src/meta-sandbox/sandbox.js';
import type { RunningBridge } from '../../bridge-server/src/server.js';
import { openDatabase } from '../../bridge-server/src/storage/database.js';
import type { Schema } from '../../bridge-server/src/storage/schema.js';
import { deploymentRequest, registerWithMeta } from '../../bridge-server/test/support/bridge.js';
import { type KillableBridge, startQuietBridge, stopGracefully } from '../support/killable-bridge.js';
import { startBenchmarkBridge, type ThrowAwayDatabase } from './targets.js';

/*
 * A bridge wired to a Meta sandbox (as bridge-server/test/support/sandbox-bridge.ts, with the production logger), with
 * one account, deployment and Zendesk installation: the send and hot-path benchmarks' target.
 */

export interface SendTarget {
  name: string;
  storage: string;
  url: string;
  token: string;
  /** The bridge's database (the bridge's own handle, or one opened beside a bridge process). */
  db: Kysely<Schema>;
  /** The bridge, when it runs in this process (undefined for a bridge process: `startSendTargetProcess`). */
  running: RunningBridge | undefined;
  sandbox: MetaSandbox;
  sandboxUrl: string;
  deploymentId: string;
  phoneNumberId: string;
  /** Waits until the sandbox, the template syncer and the webhook processor have nothing left to do. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

type Api = (path: string, body: unknown) => Promise<Record<string, unknown>>;

export interface SendTargetSettings {
  logLevel: string;
  statusDelaysMs: { sent: number; delivered: number; read: number };
}

/** A sandbox that is never the limit (100,000 sends/s per number), sending statuses after the given delays. */
function benchmarkSandbox(settings: SendTargetSettings): MetaSandbox {
  return createMetaSandbox({ knobs: { throughputMessagesPerSecond: 100_000, statusDelaysMs: settings.statusDelaysMs } });
}

/** One account, deployment and Zendesk installation through the bridge's API, the number registered at the sandbox. */
async function wire(sandbox: MetaSandbox, api: Api, bridgeUrl: string) {
  const account = await api('/v1/accounts', { name: 'Benchmark' });
  const request = deploymentRequest(account.id as string, { display_name: 'Benchmark Support' });
  registerWithMeta(sandbox, request);
  const deployment = await api('/v1/deployments', request);
  const installation = await api(`/v1/deployments/${deployment.id}/installations`, {
    helpdesk: 'zendesk',
    instance: 'benchmark.zendesk.com',
  });
  sandbox.registerNumber({
    phone_number_id: deployment.phone_number_id as string,
    waba_id: deployment.waba_id as string,
    display_phone_number: '+81 3-1234-0000',
    verified_name: 'Benchmark',
    access_token: request.access_token as string,
    app_secret: request.app_secret as string,
    webhook_url: `${bridgeUrl}/v1/webhooks/meta/${deployment.id}`,
  });
  return { deployment, installation };
}

/** What a send target is, whichever way its bridge runs. */
async function wired(parts: {
  name: string;
  url: string;
  db: Kysely<Schema>;
  sandbox: MetaSandbox;
  sandboxServer: ListeningSandbox;
  deployment: Record<string, unknown>;
  installation: Record<string, unknown>;
}): Promise<Omit<SendTarget, 'running' | 'settle' | 'close'>> {
  const version = await parts.db.selectNoFrom((eb) => eb.fn<string>('version', []).as('version')).executeTakeFirst();
  return {
    name: parts.name,
    storage: (version?.version ?? 'unknown').split(' on ')[0] as string,
    url: parts.url,
    token: parts.installation.token as string,
    db: parts.db,
    sandbox: parts.sandbox,
    sandboxUrl: parts.sandboxServer.url,
    deploymentId: parts.deployment.id as string,
    phoneNumberId: parts.deployment.phone_number_id as string,
  };
}

export async function startSendTarget(
  name: string,
  database: ThrowAwayDatabase,
  settings: SendTargetSettings,
): Promise<SendTarget> {
  const sandbox = benchmarkSandbox(settings);
  let sandboxServer: ListeningSandbox | undefined;
  let running: RunningBridge | undefined;
  const closeAll = async () => {
    await sandboxServer?.close();
    await running?.close();
    await database.drop();
  };
  try {
    sandboxServer = await sandbox.listen(0);
    const started = await startBenchmarkBridge(database, settings.logLevel, sandboxServer.url);
    running = started.running;
    const bridge = running;
    const { api } = started;
    const { deployment, installation } = await wire(sandbox, api, bridge.url);
    return {
      ...(await wired({ name, url: bridge.url, db: bridge.database.db, sandbox, sandboxServer, deployment, installation })),
      running: bridge,
      async settle() {
        await sandbox.idle(60_000);
        await bridge.templateSyncer.idle();
        await bridge.processor.drain(60_000);
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Every customer writes once through the sandbox (a webhook to the bridge), which opens their 24-hour window. */
export async function customersWrite(
  target: SendTarget,
  settings: { customers: number; phonePrefix: string; phoneBase: number },
): Promise<number> {
  const { phonePrefix, phoneBase } = settings;
  const startedAt = performance.now();
  const write = async (k: number) => {
    const response = await fetch(`${target.sandboxUrl}/sandbox/numbers/${target.phoneNumberId}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: `${phonePrefix}${phoneBase + k}`.slice(1), text: `Where is my order ${k}?` }),
    });
    if (response.status >= 300) throw new Error(`inbound from customer ${k}: ${response.status} ${await response.text()}`);
  };
  for (let k = 0; k < settings.customers; k += 25) {
    await Promise.all(Array.from({ length: Math.min(25, settings.customers - k) }, (_, j) => write(k + j)));
  }
  await target.settle();
  const row = await target.db
    .selectFrom('inbound_messages')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  if (Number(row.count) !== settings.customers)
    throw new Error(`${target.name}: ${row.count} inbound messages stored, ${settings.customers} customers wrote`);
  return performance.now() - startedAt;
}

/**
 * The same wiring with the bridge in its own process (`node bridge-server/dist/index.js`, as `npm run bridge` ends;
 * build first) on PostgreSQL: the sandbox, standing for Meta, and the load generator stay in this process, so the
 * bridge's thread does only the bridge's work, as in production where Meta is elsewhere.
 */
export async function startSendTargetProcess(
  name: string,
  database: ThrowAwayDatabase,
  settings: SendTargetSettings,
): Promise<SendTarget> {
  const sandbox = benchmarkSandbox(settings);
  const adminToken = randomBytes(32).toString('hex');
  let sandboxServer: ListeningSandbox | undefined;
  let child: KillableBridge | undefined;
  let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
  const closeAll = async () => {
    if (child !== undefined) await stopGracefully(child);
    await handle?.close();
    await sandboxServer?.close();
    await database.drop();
  };
  try {
    sandboxServer = await sandbox.listen(0);
    child = await startQuietBridge({
      HOST: '127.0.0.1',
      BRIDGE_ADMIN_TOKEN: adminToken,
      BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      META_GRAPH_URL: sandboxServer.url,
      TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
      LOG_LEVEL: settings.logLevel,
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url as string,
    });
    const bridgeUrl = child.url;
    const api: Api = async (path, body) => {
      const response = await fetch(`${bridgeUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const { deployment, installation } = await wire(sandbox, api, bridgeUrl);
    handle = await openDatabase({ url: database.url, dataDir: 'memory://', poolMax: 2 });
    const db = handle.db;
    return {
      ...(await wired({ name, url: bridgeUrl, db, sandbox, sandboxServer, deployment, installation })),
      running: undefined,
      async settle() {
        await sandbox.idle(60_000);
        // The bridge process applies what the sandbox sent: wait until nothing is left unapplied.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const row = await sql<{ pending: string }>`
            select count(*) as pending from webhook_events where processed_at is null and dead_lettered_at is null`.execute(db);
          if (Number(row.rows[0]?.pending ?? 0) === 0) return;
          if (Date.now() > deadline) throw new Error(`${name}: webhooks still unapplied after 60 s`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
