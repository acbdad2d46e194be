/**
 * What both browser tests stand on: the Meta sandbox, an in-process bridge (PGlite in memory) pointed at it, an account
 * with one deployment and a helpdesk installation, a customer who wrote 23 h 30 min ago and opted in to utility
 * templates, the templates synced; and headless Debian Chromium recording everything the browser sends and receives,
 * to prove the installation token never reaches it.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { loadConfig } from '../../bridge-server/src/config.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../../bridge-server/src/meta-sandbox/sandbox.js';
import { type RunningBridge, startBridge } from '../../bridge-server/src/server.js';
import { reservePort } from '../support/free-port.js';
import { type Json, sandboxControl, settle as settleSandbox } from '../support/sandbox.js';

export type { Json };

export const wroteRecently = '+819012340001';
/** The customer wrote 23 h 30 min ago: 30 minutes left, shown in minutes and seconds, so the countdown visibly ticks. */
export const wroteSecondsAgo = 23 * 3600 + 30 * 60;

export interface E2eWorld {
  sandbox: MetaSandbox;
  sandboxServer: ListeningSandbox;
  bridge: RunningBridge;
  adminToken: string;
  /** The helpdesk installation's token. */
  token: string;
  accountId: string;
  deploymentId: string;
  /** The WhatsApp Business Account of the world's number (Meta's account_update webhooks name it). */
  wabaId: string;
  /** Calls the bridge with a bearer token; a refusal throws with the problem. */
  call(bearer: string, method: string, path: string, body?: unknown): Promise<Json>;
  /** Acts on the Meta sandbox's control API (as the customer, as Meta's review). */
  control(method: string, path: string, body: unknown): Promise<void>;
  /** The customer who wrote recently writes again, now (through the Meta sandbox's inbound webhook). */
  customerWrites(text: string): Promise<void>;
  /** Waits until the sandbox has delivered its webhooks and the bridge has applied them. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startE2eWorld(
  installation: { helpdesk: 'zendesk' | 'zoho'; instance: string },
  /** `consoleDir`: the admin console build the bridge serves at `/`; `environment`: more of the bridge's config. */
  options: { consoleDir?: string; environment?: Record<string, string> } = {},
): Promise<E2eWorld> {
  // Statuses: delivered soon after sending, read after the panel has polled at least once in between.
  const sandbox = createMetaSandbox({ knobs: { statusDelaysMs: { sent: 50, delivered: 400, read: 4500 } } });
  const sandboxServer = await sandbox.listen(0, '127.0.0.1');
  const adminToken = randomBytes(32).toString('hex');
  // A known port, so that PUBLIC_URL (which the live stream's URL is built from) is where the bridge listens: bound
  // now and handed over to the bridge, never freed for another process to take in between.
  const port = await reservePort();
  const bridge = await startBridge(
    loadConfig({
      PUBLIC_URL: port.url,
      HOST: '127.0.0.1',
      DATA_DIR: 'memory://',
      BRIDGE_ADMIN_TOKEN: adminToken,
      BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      META_GRAPH_URL: sandboxServer.url,
      LOG_LEVEL: 'silent',
      TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
      ...options.environment,
    }),
    {
      logger: pino({ level: 'silent' }),
      listenOn: port.server,
      ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    },
  );
  const call = async (bearer: string, method: string, path: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${bridge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const control = async (method: string, path: string, body: unknown): Promise<void> => {
    await sandboxControl(sandboxServer.url, method, path, body);
  };
  const settle = () => settleSandbox(sandbox, bridge);

  const admin = (path: string, body: unknown) => call(adminToken, 'POST', path, body);
  const account = await admin('/v1/accounts', { name: 'E2E Trading' });
  const secrets = { access_token: `EAAG${randomBytes(24).toString('hex')}`, app_secret: randomBytes(16).toString('hex') };
  const wabaId = '102290129340398';
  const number = {
    phone_number_id: '106540352242999',
    waba_id: wabaId,
    display_phone_number: '+81 3-4510-0001',
    verified_name: 'E2E Support',
    ...secrets,
  };
  // Meta knows the number before the bridge is told of it: creating a deployment checks its credentials with Meta.
  sandbox.registerNumber(number);
  const deployment = await admin('/v1/deployments', {
    account_id: account.id,
    display_name: 'E2E Support',
    display_phone_number: '+81 3-4510-0001',
    waba_id: wabaId,
    phone_number_id: '106540352242999',
    verify_token: `verify-${randomBytes(8).toString('hex')}`,
    ...secrets,
  });
  const token = (await admin(`/v1/deployments/${deployment.id}/installations`, installation)).token as string;
  sandbox.registerNumber({ ...number, webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}` });
  await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
    from: wroteRecently.slice(1),
    name: 'Hanako Yamada',
    text: '注文した商品はいつ届きますか？',
    timestamp: Math.floor(Date.now() / 1000) - wroteSecondsAgo,
  });
  // Templates go only to customers who opted in to their topic (the bridge's opt-in registry).
  await call(token, 'POST', `/v1/contacts/${encodeURIComponent(wroteRecently)}/consents`, {
    topic: 'utility',
    state: 'opted_in',
    source: 'checkout',
    evidence: 'I agree to receive order updates from E2E Support on WhatsApp.',
  });
  await call(token, 'POST', '/v1/templates/sync');
  await settle();
  return {
    sandbox,
    sandboxServer,
    bridge,
    adminToken,
    token,
    accountId: account.id,
    deploymentId: deployment.id,
    wabaId,
    call,
    control,
    customerWrites: (text) =>
      control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
        from: wroteRecently.slice(1),
        name: 'Hanako Yamada',
        text,
      }),
    settle,
    async close() {
      await sandboxServer.close();
      await bridge.close();
    },
  };
}

/** Headless Debian Chromium with the flags this machine's closed network needs, and a context that records its traffic. */
export async function launchRecordedBrowser(traffic: string[]): Promise<{ browser: Browser; context: BrowserContext }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  context.on('request', (request) => traffic.push(request.url(), JSON.stringify(request.headers()), request.postData() ?? ''));
  context.on('response', async (response) => {
    // A page closed while a response was still arriving has nothing more to show.
    const headers = await response.allHeaders().catch(() => ({}));
    traffic.push(JSON.stringify(headers), await response.text().catch(() => ''));
  });
  return { browser, context };
}
