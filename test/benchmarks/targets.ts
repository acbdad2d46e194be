import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../bridge-server/src/config.js';
import { createMetaSandbox } from '../../bridge-server/src/meta-sandbox/sandbox.js';
import { type RunningBridge, startBridge } from '../../bridge-server/src/server.js';
import { deploymentRequest, registerWithMeta } from '../../bridge-server/test/support/bridge.js';

/** A server under load: the bare handler or a bridge. */
export interface Target {
  name: string;
  url: string;
  path: string;
  /** What stores the webhooks ("none" for the bare handler). */
  storage: string;
  /** Bridges only. */
  bridge?: { running: RunningBridge; deploymentId: string };
  close(): Promise<void>;
}

export interface WebhookSecrets {
  appSecret: string;
  phoneNumberId: string;
}

const webhookPath = (deploymentId: string) => `/v1/webhooks/meta/${deploymentId}`;

/** Express 5, express.raw, HMAC-SHA256 compared in constant time, 200. Nothing else: the ceiling to compare with. */
export async function startBareHandler({ appSecret }: WebhookSecrets): Promise<Target> {
  const app = express();
  app.post('/v1/webhooks/meta/:deployment_id', express.raw({ type: () => true, limit: 3 * 1024 * 1024 }), (request, response) => {
    const body: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const match = /^sha256=([0-9a-f]{64})$/i.exec(request.get('x-hub-signature-256') ?? '');
    const expected = createHmac('sha256', appSecret).update(body).digest();
    const valid = match !== null && timingSafeEqual(Buffer.from(match[1] as string, 'hex'), expected);
    response.status(valid ? 200 : 401).end();
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: 'bare Express handler',
    url: `http://127.0.0.1:${port}`,
    path: webhookPath('dep_bare'),
    storage: 'none',
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ThrowAwayDatabase {
  /** undefined: PGlite in `dataDir`. */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

/** PGlite in a fresh directory on disk: durable storage, as in production (not memory://). */
export async function pgliteDatabase(): Promise<ThrowAwayDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wabridge-bench-pglite-'));
  return { url: undefined, dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
}

/** A fresh database on the server of `baseUrl`, dropped afterwards (as bridge-server/test/support/backends.ts does). */
export async function postgresDatabase(baseUrl: string): Promise<ThrowAwayDatabase> {
  const name = `wabridge_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), dataDir: 'memory://', drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * The real bridge (startBridge, production configuration apart from the log level and where Meta is) on `database`,
 * logging as production does (synchronous pino) to standard error, since standard output carries the figures; and
 * `api`, an administrator's POST that expects 201.
 */
export async function startBenchmarkBridge(
  database: ThrowAwayDatabase,
  logLevel: string,
  metaGraphUrl: string,
  /** The same keys for every replica of one database (a second bridge process must open what the first sealed). */
  keys: { adminToken: string; encryptionKey: string } = {
    adminToken: randomBytes(32).toString('hex'),
    encryptionKey: randomBytes(32).toString('hex'),
  },
) {
  const { adminToken } = keys;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    BRIDGE_ADMIN_TOKEN: adminToken,
    BRIDGE_ENCRYPTION_KEY: keys.encryptionKey,
    DATA_DIR: database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    LOG_LEVEL: logLevel,
    META_GRAPH_URL: metaGraphUrl,
  });
  const logger = pino({ level: config.logLevel, base: { service: 'bridge' } }, pino.destination({ dest: 2, sync: true }));
  const running = await startBridge(config, { logger });
  const api = async (path: string, body: unknown): Promise<{ id: string; [field: string]: string }> => {
    const response = await fetch(`${running.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string; [field: string]: string };
  };
  return { running, api };
}

/**
 * The real bridge (startBenchmarkBridge) on `database`, with one account
 * and one deployment created through its API; the deployment's app secret signs the pool's bodies.
 */
export async function startBridgeTarget(
  name: string,
  database: ThrowAwayDatabase,
  secrets: WebhookSecrets,
  logLevel: string,
): Promise<Target> {
  let running: RunningBridge | undefined;
  // Nothing here may reach the real Graph API: a Meta sandbox answers the credential check of the new deployment
  // (and its first template sync); it sends no webhooks, since its number has no webhook URL.
  const meta = createMetaSandbox();
  const metaServer = await meta.listen(0);
  try {
    const started = await startBenchmarkBridge(database, logLevel, metaServer.url);
    running = started.running;
    const api = started.api;
    const account = await api('/v1/accounts', { name: 'Benchmark' });
    const request = deploymentRequest(account.id, { app_secret: secrets.appSecret, phone_number_id: secrets.phoneNumberId });
    registerWithMeta(meta, request);
    const deployment = await api('/v1/deployments', request);
    const version = await sql<{ version: string }>`select version()`.execute(running.database.db);
    const bridge = running;
    return {
      name,
      url: bridge.url,
      path: webhookPath(deployment.id),
      storage: (version.rows[0]?.version ?? 'unknown').split(' on ')[0] as string,
      bridge: { running: bridge, deploymentId: deployment.id },
      async close() {
        await bridge.close();
        await metaServer.close();
        await database.drop();
      },
    };
  } catch (error) {
    await running?.close();
    await metaServer.close();
    await database.drop();
    throw error;
  }
}
