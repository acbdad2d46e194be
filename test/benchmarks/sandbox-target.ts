import { performance } from 'node:perf_hooks';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../../bridge-server/src/meta-sandbox/sandbox.js';
import type { RunningBridge } from '../../bridge-server/src/server.js';
import { deploymentRequest, registerWithMeta } from '../../bridge-server/test/support/bridge.js';
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
  running: RunningBridge;
  sandbox: MetaSandbox;
  sandboxUrl: string;
  deploymentId: string;
  phoneNumberId: string;
  /** Waits until the sandbox, the template syncer and the webhook processor have nothing left to do. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startSendTarget(
  name: string,
  database: ThrowAwayDatabase,
  settings: { logLevel: string; statusDelaysMs: { sent: number; delivered: number; read: number } },
): Promise<SendTarget> {
  const sandbox = createMetaSandbox({
    knobs: { throughputMessagesPerSecond: 100_000, statusDelaysMs: settings.statusDelaysMs },
  });
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
      webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}`,
    });
    const version = await bridge.database.db.selectNoFrom((eb) => eb.fn<string>('version', []).as('version')).executeTakeFirst();
    return {
      name,
      storage: (version?.version ?? 'unknown').split(' on ')[0] as string,
      url: bridge.url,
      token: installation.token as string,
      running: bridge,
      sandbox,
      sandboxUrl: sandboxServer.url,
      deploymentId: deployment.id as string,
      phoneNumberId: deployment.phone_number_id as string,
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
  const row = await target.running.database.db
    .selectFrom('inbound_messages')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  if (Number(row.count) !== settings.customers)
    throw new Error(`${target.name}: ${row.count} inbound messages stored, ${settings.customers} customers wrote`);
  return performance.now() - startedAt;
}
