import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
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
  /** Every log line the bridge wrote, as text. */
  logs: () => string;
  request(
    method: string,
    path: string,
    options?: { token?: string | null; json?: unknown; body?: string; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** Row counts of every table, to assert that a refused request changed nothing. */
  counts(): Promise<Record<string, number>>;
  /** Stops the bridge; drops its database unless `keepDatabase` (to start another bridge on it). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export async function startTestBridge(
  backend: Backend,
  environment: Record<string, string> = {},
  options: { database?: TestDatabase; adminToken?: string; encryptionKey?: string; clock?: Clock } = {},
): Promise<TestBridge> {
  const database = options.database ?? (await backend.create());
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
    // Tests never reach for the real Meta: a closed local port unless a test points at the sandbox.
    META_GRAPH_URL: 'http://127.0.0.1:9',
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
  });

  async function request(
    method: string,
    path: string,
    options: { token?: string | null; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? adminToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${bridge.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
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
