import { randomBytes } from 'node:crypto';
import { furthestStatus } from '@wabridge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxControl, settle as settleWorld } from '../../test/support/sandbox.js';
import { MetaGraphClient } from '../src/meta/client.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../src/meta-sandbox/sandbox.js';
import { backends } from './support/backends.js';
import { deploymentRequest, registerWithMeta, startTestBridge, type TestBridge } from './support/bridge.js';
import { adReferral } from './support/meta.js';

const hourMs = 60 * 60 * 1000;

/**
 * The real bridge and the Meta sandbox talking over HTTP: the sandbox sends signed webhooks to the
 * bridge's endpoint exactly as Meta would, duplicated and out of order.
 */
describe.each(backends)('bridge and Meta sandbox end to end on $name', (backend) => {
  let sandbox: MetaSandbox;
  let sandboxServer: ListeningSandbox;
  let bridge: TestBridge;
  let client: MetaGraphClient;
  let deployment: { id: string; phone_number_id: string };
  let accessToken: string;
  let installationToken: string;

  beforeAll(async () => {
    sandbox = createMetaSandbox({
      knobs: {
        statusDelaysMs: { sent: 5, delivered: 15, read: 25 },
        duplicateDeliveries: true,
        reorderReadBeforeDelivered: true,
      },
    });
    sandboxServer = await sandbox.listen(0);
    bridge = await startTestBridge(backend, { META_GRAPH_URL: sandboxServer.url });
    client = new MetaGraphClient({ baseUrl: sandboxServer.url, apiVersion: 'v24.0' });
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'End to end' } });
    const request = deploymentRequest(account.body.id, { app_secret: randomBytes(16).toString('hex') });
    accessToken = request.access_token as string;
    registerWithMeta(sandbox, request);
    deployment = (await bridge.request('POST', '/v1/deployments', { json: request })).body;
    installationToken = (
      await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'e2e.zendesk.com' },
      })
    ).body.token;
    sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: request.waba_id as string,
      display_phone_number: '+81 3-1234-5678',
      verified_name: 'End to end',
      access_token: accessToken,
      app_secret: request.app_secret as string,
      webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}`,
    });
  });
  afterAll(async () => {
    await sandboxServer?.close();
    await bridge?.close();
  });

  const settle = () => settleWorld(sandbox, bridge.bridge);

  async function customerWrites(body: Record<string, unknown>) {
    await sandboxControl(sandboxServer.url, 'POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, body);
    await settle();
  }

  const status = async (phone: string) =>
    (await bridge.request('GET', `/v1/contacts/${encodeURIComponent(phone)}/status`, { token: installationToken })).body;

  it('opens the window from the customer’s message, with Meta’s timestamp', async () => {
    const writtenAtSeconds = Math.floor(Date.now() / 1000) - 600;
    await customerWrites({
      from: '819012345678',
      name: '山田花子',
      text: '注文の配送状況を教えてください',
      timestamp: writtenAtSeconds,
    });
    const answer = await status('+819012345678');
    expect(answer.contact).toMatchObject({ wa_id: '819012345678', name: '山田花子' });
    expect(answer.window).toMatchObject({
      state: 'open',
      kind: 'customer_service',
      expires_at: new Date(writtenAtSeconds * 1000 + 24 * hourMs).toISOString(),
    });
  });

  it('settles duplicated, reordered statuses on the furthest one, each stored once', async () => {
    const sent = await client.sendMessage(
      accessToken,
      deployment.phone_number_id,
      { type: 'text', to: '+819012345678', body: 'ご連絡ありがとうございます。本日発送しました。' },
      { bizOpaqueCallbackData: 'msg_e2e_0001' },
    );
    await settle();
    const rows = await bridge.bridge.database.db
      .selectFrom('message_statuses')
      .selectAll()
      .where('wamid', '=', sent.wamid)
      .execute();
    expect(rows.map((row) => row.status).sort()).toEqual(['delivered', 'read', 'sent']);
    expect(furthestStatus(rows.map((row) => row.status))).toBe('read');
    expect(rows.every((row) => row.biz_opaque_callback_data === 'msg_e2e_0001')).toBe(true);
    expect(rows.find((row) => row.status === 'sent')?.pricing).toMatchObject({
      type: 'free_customer_service',
      category: 'service',
    });

    const deliveries = (await (await fetch(`${sandboxServer.url}/sandbox/deliveries`)).json()) as
      | { data?: unknown[] }
      | unknown[];
    const deliveryCount = Array.isArray(deliveries) ? deliveries.length : (deliveries.data?.length ?? 0);
    const stored = await bridge.bridge.database.db.selectFrom('webhook_events').select('id').execute();
    // Every body was posted twice; each was stored once.
    expect(deliveryCount).toBeGreaterThanOrEqual(2 * stored.length);
  });

  it('starts a free entry point when the business answers a click-to-WhatsApp message, as Meta prices it', async () => {
    await customerWrites({
      from: '819087654321',
      text: '広告を見ました',
      referral: adReferral,
    });
    expect((await status('+819087654321')).window.free_entry_point_offer_expires_at).not.toBeNull();
    const reply = await client.sendMessage(
      accessToken,
      deployment.phone_number_id,
      { type: 'text', to: '+819087654321', body: 'お問い合わせありがとうございます' },
      { bizOpaqueCallbackData: 'msg_e2e_0002' },
    );
    await settle();
    const answer = await status('+819087654321');
    expect(answer.window.kind).toBe('free_entry_point');
    const sentAt = await bridge.bridge.database.db
      .selectFrom('message_statuses')
      .select(['occurred_at', 'pricing'])
      .where('wamid', '=', reply.wamid)
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    expect(answer.window.free_until).toBe(new Date(sentAt.occurred_at.getTime() + 72 * hourMs).toISOString());
    // The sandbox, pricing as Meta does, agrees that this reply is free.
    expect(sentAt.pricing).toMatchObject({ type: 'free_entry_point' });
  });
});
