import { randomBytes } from 'node:crypto';
import type { Server as NetServer } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { NumberInput } from '../../src/meta-sandbox/numbers.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../../src/meta-sandbox/sandbox.js';
import { type RunningBridge, startBridge } from '../../src/server.js';
import type { Backend, TestDatabase } from './backends.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers and assert on their shape.
  body: any;
}

export interface TestBridge {
  url: string;
  adminToken: string;
  config: Config;
  bridge: RunningBridge;
  database: TestDatabase;
  /**
   * The Meta sandbox the bridge calls when the test did not point it elsewhere (`META_GRAPH_URL`): creating a
   * deployment asks Meta about its credentials, so every test bridge has a Meta that answers, and refuses faithfully.
   */
  meta: MetaSandbox | undefined;
  /**
   * `POST /v1/deployments` as the administrator with a valid request (`deploymentRequest`) whose number Meta knows:
   * registered first in `sandbox` (default: the bridge's own Meta sandbox) with the request's token and app secret.
   */
  createDeployment(
    accountId: string,
    overrides?: Record<string, unknown>,
    options?: { sandbox?: MetaSandbox },
  ): Promise<{ answer: HttpAnswer; request: Record<string, unknown> }>;
  /** Makes a deployment request's number known to the bridge's own Meta sandbox (see `registerWithMeta`). */
  metaKnows(request: Record<string, unknown>, extra?: Partial<NumberInput>): void;
  /** Every log line the bridge wrote, as text. */
  logs: () => string;
  request(
    method: string,
    path: string,
    options?: { token?: string | null; json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** Row counts of every table, to assert that a refused request changed nothing. */
  counts(): Promise<Record<string, number>>;
  /** Stops the bridge; drops its database unless `keepDatabase` (to start another bridge on it). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export async function startTestBridge(
  backend: Backend,
  environment: Record<string, string> = {},
  options: {
    database?: TestDatabase;
    adminToken?: string;
    encryptionKey?: string;
    clock?: Clock;
    /** A bound socket the bridge listens on (test/support/free-port.ts), when its URL must be known beforehand. */
    listenOn?: NetServer;
  } = {},
): Promise<TestBridge> {
  const database = options.database ?? (await backend.create());
  let meta: { sandbox: MetaSandbox; server: ListeningSandbox } | undefined;
  if (environment.META_GRAPH_URL === undefined) {
    const sandbox = createMetaSandbox();
    meta = { sandbox, server: await sandbox.listen(0) };
  }
  const adminToken = options.adminToken ?? randomBytes(32).toString('hex');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    BRIDGE_ADMIN_TOKEN: adminToken,
    BRIDGE_ENCRYPTION_KEY: options.encryptionKey ?? randomBytes(32).toString('hex'),
    PUBLIC_URL: 'https://bridge.example.test',
    DATA_DIR: database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    LOG_LEVEL: 'info',
    // Tests never reach for the real Meta: a Meta sandbox of the bridge's own unless a test points at another.
    ...(meta === undefined ? {} : { META_GRAPH_URL: meta.server.url }),
    TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
    ...environment,
  });
  let logText = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logText += chunk.toString();
      done();
    },
  });
  const bridge = await startBridge(config, {
    logger: pino({ level: 'info' }, sink),
    validateResponses: true,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.listenOn === undefined ? {} : { listenOn: options.listenOn }),
  });

  async function request(
    method: string,
    path: string,
    options: { token?: string | null; json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? adminToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const send = () => fetch(`${bridge.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // A pooled keep-alive connection that the server closed at the same moment (its keepAliveTimeout passed while
      // a test held the event loop with database work) fails the request before it reached the server. Browsers and
      // HTTP clients send an idempotent request again on a fresh connection then; so does this one, once.
      if (method !== 'GET' || (error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
      response = await send();
    }
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '');
    return { status: response.status, headers: response.headers, body: isJson && text ? JSON.parse(text) : text };
  }

  return {
    url: bridge.url,
    adminToken,
    config,
    bridge,
    database,
    meta: meta?.sandbox,
    metaKnows(deployment, extra = {}) {
      if (meta === undefined) throw new Error('metaKnows: this bridge calls another Meta; use registerWithMeta with it');
      registerWithMeta(meta.sandbox, deployment, extra);
    },
    async createDeployment(accountId, overrides = {}, createOptions = {}) {
      const sandbox = createOptions.sandbox ?? meta?.sandbox;
      if (sandbox === undefined) throw new Error('createDeployment: this bridge calls another Meta; name its sandbox');
      const deployment = deploymentRequest(accountId, overrides);
      registerWithMeta(sandbox, deployment);
      return { answer: await request('POST', '/v1/deployments', { json: deployment }), request: deployment };
    },
    logs: () => logText,
    request,
    async counts() {
      const db = bridge.database.db;
      const tables = ['accounts', 'deployments', 'installations'] as const;
      const entries = await Promise.all(
        tables.map(async (table) => {
          const row = await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .executeTakeFirstOrThrow();
          return [table, Number(row.count)] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
    async close(closeOptions = {}) {
      await bridge.close();
      await meta?.server.close();
      if (!closeOptions.keepDatabase) await database.drop();
    },
  };
}

/** A valid deployment request body for an account; override fields per test. */
export function deploymentRequest(accountId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const phoneNumberId = String(100_000_000 + Math.floor(Math.random() * 899_999_999));
  return {
    account_id: accountId,
    display_name: 'Acme Support',
    display_phone_number: '+81 3-1234-5678',
    waba_id: '102290129340398',
    phone_number_id: phoneNumberId,
    access_token: `EAAG${randomBytes(24).toString('hex')}`,
    app_secret: randomBytes(16).toString('hex'),
    verify_token: `verify-${randomBytes(8).toString('hex')}`,
    ...overrides,
  };
}

/**
 * Makes the number of a deployment request known to a Meta sandbox, with the request's token and app secret, so that
 * the bridge's credential check passes; `extra` sets anything else (webhook URL, quality, registration…).
 */
export function registerWithMeta(sandbox: MetaSandbox, request: Record<string, unknown>, extra: Partial<NumberInput> = {}): void {
  sandbox.registerNumber({
    phone_number_id: String(request.phone_number_id),
    waba_id: String(request.waba_id),
    display_phone_number: String(request.display_phone_number),
    verified_name: String(request.display_name),
    access_token: String(request.access_token),
    app_secret: String(request.app_secret),
    ...extra,
  });
}
