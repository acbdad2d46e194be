import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../bridge-server/src/meta-sandbox/sandbox.js';
import { createZendeskSandbox, type ZendeskSandbox } from '../bridge-server/src/sandboxes/zendesk/sandbox.js';
import { backends, type TestDatabase } from '../bridge-server/test/support/backends.js';
import { deploymentRequest, registerWithMeta } from '../bridge-server/test/support/bridge.js';
import { FrontDoor } from './support/front-door.js';
import { buildWorkspace, type KillableBridge, killHard, startKillableBridge, stopGracefully } from './support/killable-bridge.js';
import { type Json, sandboxControl } from './support/sandbox.js';
import { waitFor } from './support/wait-for.js';

/*
 * kill -9 between the webhook and the Zendesk push (issue 11), with real processes: the customer's message is accepted
 * (the webhook answered 200, its push job written in the same transaction, the outbox), Zendesk refuses the push
 * (429) while the bridge is killed with SIGKILL; the bridge starts again on the same storage, Zendesk is back, and
 * the message must be in the ticket exactly once, though Meta delivered its webhook twice around the kill.
 *
 * The kill comes after a refused attempt, not during one: a push in flight when the process dies is taken up again
 * only when its lease runs out (two push timeouts and a minute), which this test does not wait for; the push's
 * external_id (the wamid) makes a repeat `already_imported` either way (zendesk-push.test.ts checks that part).
 */

const subdomain = 'kaede';
const customer = '819033330001';

beforeAll(buildWorkspace, 180_000);

describe.each(backends)('a bridge killed with SIGKILL between a customer’s webhook and its Zendesk push, on $name', (backend) => {
  let database: TestDatabase;
  let meta: MetaSandbox;
  let metaServer: ListeningSandbox;
  let zendesk: ZendeskSandbox;
  let zendeskUrl: string;
  let closeZendesk: () => Promise<void>;
  let bridge: KillableBridge | undefined;
  let frontDoor: FrontDoor;
  let environment: Record<string, string>;
  const adminToken = randomBytes(32).toString('hex');
  const zendeskControl = (method: string, path: string, body?: unknown) => sandboxControl(zendeskUrl, method, path, body);

  async function call(method: string, path: string, token: string, json?: unknown): Promise<Json> {
    const response = await fetch(`${frontDoor.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  }

  async function start() {
    bridge = await startKillableBridge(environment);
    frontDoor.forwardTo(bridge.url);
  }

  beforeAll(async () => {
    database = await backend.create({ persistent: true });
    // Meta posts each webhook twice (as it may), and retries while the bridge is down.
    meta = createMetaSandbox({
      knobs: { duplicateDeliveries: true, retryDelayMsInitial: 100, retryDelayMsMax: 500, deliveryAttemptsMax: 50 },
    });
    metaServer = await meta.listen(0);
    zendesk = createZendeskSandbox({ allowPlainHttp: true, subdomain, knobs: { pullIntervalMs: 0 } });
    const running = await zendesk.listen(0, '127.0.0.1');
    zendeskUrl = running.url;
    closeZendesk = () => running.close();
    frontDoor = await FrontDoor.open();
    environment = {
      PORT: '0',
      PUBLIC_URL: frontDoor.url,
      HOST: '127.0.0.1',
      BRIDGE_ADMIN_TOKEN: adminToken,
      BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      META_GRAPH_URL: metaServer.url,
      TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
      LOG_LEVEL: 'info',
      ZENDESK_RETURN_URL_ORIGINS: zendeskUrl,
      ZENDESK_PUSH_CLIENT_ID: 'wabridge_push',
      DATA_DIR: database.dataDir,
      ...(database.url === undefined ? {} : { DATABASE_URL: database.url }),
    };
    await start();
  });
  afterAll(async () => {
    if (bridge !== undefined) await stopGracefully(bridge);
    await frontDoor?.close();
    await closeZendesk?.();
    await metaServer?.close();
    await database?.drop();
  });

  it('puts the message in the ticket exactly once after the restart', async () => {
    // Arrange: a deployment on the Meta sandbox, a Zendesk installation linked through the Channel framework with push.
    const account = await call('POST', '/v1/accounts', adminToken, { name: 'Kaede Shoes' });
    const request = deploymentRequest(account.id, { display_name: 'Kaede Shoes Support' });
    registerWithMeta(meta, request);
    const deployment = await call('POST', '/v1/deployments', adminToken, request);
    const installation = await call('POST', `/v1/deployments/${deployment.id}/installations`, adminToken, {
      helpdesk: 'zendesk',
      instance: `${subdomain}.zendesk.com`,
    });
    meta.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-1234-0000',
      verified_name: 'Kaede Shoes',
      access_token: request.access_token as string,
      app_secret: request.app_secret as string,
      webhook_url: `${frontDoor.url}/v1/webhooks/meta/${deployment.id}`,
    });
    const integration = await zendeskControl('POST', '/sandbox/integrations', {
      manifest_url: `${frontDoor.url}/v1/channels/zendesk/manifest.json`,
    });
    const visit = await zendeskControl('POST', `/sandbox/integrations/${integration.id}/instances`, {
      auto_submit: true,
      fill: { installation_token: installation.token, name: 'Kaede WhatsApp' },
    });
    expect(visit.auto_submit_error).toBeUndefined();
    const instance = visit.instance;
    const commentsOfCustomer = async (): Promise<Json[]> => {
      const tickets: Json[] = (await zendeskControl('GET', `/sandbox/tickets?instance_id=${instance.id}`)).data;
      const ticket = tickets.find((candidate) => candidate.requester?.external_id === `+${customer}`);
      return ticket === undefined ? [] : (await zendeskControl('GET', `/sandbox/tickets/${ticket.id}`)).comments;
    };

    // Zendesk refuses pushes (429, come back in 10 s) until told otherwise; the customer writes.
    const refusals = 1_000;
    await zendeskControl('PUT', '/sandbox/faults/push', { mode: 'rate_limited', count: refusals, retryAfterSeconds: 10 });
    await sandboxControl(metaServer.url, 'POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
      from: customer,
      name: 'Kaede Customer',
      text: 'Is my order on its way?',
    });
    // Accepted: Meta's webhook answered 200 (the push job was written in its transaction), and a push was refused.
    await waitFor('the webhook accepted', () => meta.state.deliveries.some((delivery) => delivery.state === 'delivered'));
    await waitFor('a push refused', () => (zendesk.context.faults.push.view()?.remaining ?? refusals) < refusals);
    // The refusal recorded: the job waits for its Retry-After, claimed by nobody (a job killed mid-attempt would wait
    // for its lease instead). The kill lands well inside those 10 seconds.
    await waitFor('the refused push waiting for its retry', async () => {
      const metrics = await (await fetch(`${frontDoor.url}/metrics`)).text();
      return metrics.includes('wabridge_jobs_running{kind="zendesk_push"} 0');
    });

    // Act: kill -9; Zendesk comes back; the bridge starts again on the same storage.
    await killHard(bridge!);
    frontDoor.forwardTo(undefined);
    expect(await commentsOfCustomer()).toEqual([]);
    await zendeskControl('PUT', '/sandbox/faults/push', { mode: 'none' });
    await start();

    // Assert: in the ticket once, by push (no pull), with Meta's two deliveries of the webhook both answered.
    await waitFor(
      'both deliveries answered',
      () => meta.state.deliveries.length === 2 && meta.state.deliveries.every((delivery) => delivery.state === 'delivered'),
    );
    const comments = await waitFor(
      'the message in the ticket',
      async () => {
        const found = await commentsOfCustomer();
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 40_000 },
    ).catch((error: unknown) => {
      throw new Error(`${error}; the restarted bridge said:\n${bridge?.output().slice(-4000)}`);
    });
    expect(comments.map((comment) => comment.body)).toEqual(['Is my order on its way?']);
    expect((await zendeskControl('GET', `/sandbox/instances/${instance.id}`)).pulls ?? []).toEqual([]);
    const pull = await zendeskControl('POST', `/sandbox/instances/${instance.id}/pull`);
    expect(pull.results.map((result: Json) => result.status.code)).toEqual(['already_imported']);
    expect((await commentsOfCustomer()).map((comment) => comment.body)).toEqual(['Is my order on its way?']);
  });
});
