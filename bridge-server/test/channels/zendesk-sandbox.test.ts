import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reservePort } from '../../../test/support/free-port.js';
import { sandboxControl } from '../../../test/support/sandbox.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { createZendeskSandbox, type ZendeskSandbox } from '../../src/sandboxes/zendesk/sandbox.js';
import { pixelPng } from '../sandboxes/harness.js';
import { backends } from '../support/backends.js';
import { type SandboxBridge, startSandboxBridge } from '../support/sandbox-bridge.js';
import { customerSendsImage } from './zendesk-support.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

/**
 * The whole channel against the Zendesk sandox: Zendesk installs the integration from the bridge's manifest, an admin
 * links the account through the bridge's admin UI with the installation token, Zendesk pulls customers' messages into
 * tickets (text and an image, one ticket per customer), and an agent's replies go back through channelback to the
 * customer on WhatsApp, or fail on the comment with the reason when the window is closed.
 */
describe.each(backends)('the Zendesk sandbox driving the bridge on $name', (backend) => {
  let world: SandboxBridge;
  let zendesk: ZendeskSandbox;
  let zendeskUrl: string;
  let closeZendesk: () => Promise<void>;
  let instance: Json;
  const subdomain = 'sakura';
  const control = (method: string, path: string, body?: unknown) => sandboxControl(zendeskUrl, method, path, body);

  beforeAll(async () => {
    zendesk = createZendeskSandbox({ allowPlainHttp: true, subdomain, knobs: { pullIntervalMs: 0, retryDelayMsInitial: 5 } });
    const running = await zendesk.listen(0, '127.0.0.1');
    zendeskUrl = running.url;
    closeZendesk = () => running.close();
    world = await startSandboxBridge(backend, {
      port: await reservePort(),
      environment: {
        ZENDESK_RETURN_URL_ORIGINS: zendeskUrl,
      },
    });
  });
  afterAll(async () => {
    await closeZendesk?.();
    await world?.close();
  });

  it('installs from the manifest and links the account through the admin UI with the installation token', async () => {
    const installation = await world.bridge.request('POST', `/v1/deployments/${world.deployment.id}/installations`, {
      json: { helpdesk: 'zendesk', instance: `${subdomain}.zendesk.com` },
    });
    expect(installation.status).toBe(201);
    const integration = await control('POST', '/sandbox/integrations', {
      manifest_url: `${world.bridge.url}/v1/channels/zendesk/manifest.json`,
    });
    expect(integration.id).toBe('com.wabridge.zendesk.whatsapp');

    const refused = await control('POST', `/sandbox/integrations/${integration.id}/instances`, {
      auto_submit: true,
      fill: { installation_token: 'wbi_wrong' },
    });
    expect(refused.instance).toBeNull();
    expect(refused.auto_submit_error).toContain('HTTP 401');

    const visit = await control('POST', `/sandbox/integrations/${integration.id}/instances`, {
      auto_submit: true,
      locale: 'ja',
      fill: { installation_token: installation.body.token, name: 'さくら WhatsApp' },
    });
    expect(visit.auto_submit_error).toBeUndefined();
    instance = visit.instance;
    expect(instance).toMatchObject({ name: 'さくら WhatsApp', active: true });
    expect(JSON.parse(instance.metadata)).toEqual({ link: expect.stringMatching(/^zcl_/), signature: expect.any(String) });
  });

  it('turns customers’ messages into one ticket per customer, with the image attached, each message once', async () => {
    await world.customerWrites('+819011110001', '注文した靴のサイズを変更できますか？');
    await customerSendsImage(world, {
      waId: '819011110001',
      wamid: 'wamid.sandbox-image-1',
      bytes: pixelPng,
      caption: 'この靴です',
    });
    await world.customerWrites('+819011110002', 'Hello from Taro');

    const pull = await control('POST', `/sandbox/instances/${instance.id}/pull`);
    expect(pull.outcome).toBe('ok');
    expect(pull.results.map((result: Json) => result.status.code)).toEqual(['success', 'success', 'success']);
    const tickets = (await control('GET', `/sandbox/tickets?instance_id=${instance.id}`)).data as Json[];
    expect(tickets).toHaveLength(2);
    const hanako = tickets.find((ticket) => ticket.subject === '注文した靴のサイズを変更できますか？');
    expect(hanako.comments.map((comment: Json) => comment.body)).toEqual([
      '注文した靴のサイズを変更できますか？',
      'この靴です\n[Image]',
    ]);
    expect(hanako.comments[1].attachments).toEqual([
      expect.objectContaining({ content_type: 'image/png', size: pixelPng.length }),
    ]);

    // Nothing new: nothing imported twice. A new message of the same customer joins the same ticket.
    expect((await control('POST', `/sandbox/instances/${instance.id}/pull`)).results).toEqual([]);
    await world.customerWrites('+819011110001', 'もう一つ質問があります');
    const next = await control('POST', `/sandbox/instances/${instance.id}/pull`);
    expect(next.results.map((result: Json) => result.status.code)).toEqual(['success']);
    const updated = await control('GET', `/sandbox/tickets/${hanako.id}`);
    expect(updated.comments.at(-1).body).toBe('もう一つ質問があります');
  });

  it('sends an agent’s reply to the customer through channelback, and shows a closed window on the comment', async () => {
    const tickets = (await control('GET', `/sandbox/tickets?instance_id=${instance.id}`)).data as Json[];
    const taro = tickets.find((ticket) => ticket.subject === 'Hello from Taro');
    const sentBefore = world.sandbox.state.messages.size;
    const reply = await control('POST', `/sandbox/tickets/${taro.id}/comments`, { body: 'Hello Taro, how can we help?' });
    const sent = await waitFor('the channelback', async () => {
      const comment = (await control('GET', `/sandbox/tickets/${taro.id}`)).comments.find((item: Json) => item.id === reply.id);
      return comment.channelback.status === 'pending' ? undefined : comment.channelback;
    });
    expect(sent).toMatchObject({ status: 'sent', external_id: expect.stringMatching(/^msg_/), error: null });
    expect(sent.fields.recipient_id).toBe('+819011110002');
    expect(world.sandbox.state.messages.size).toBe(sentBefore + 1);
    expect([...world.sandbox.state.messages.values()].at(-1)).toMatchObject({ recipientWaId: '819011110002', type: 'text' });

    // A customer whose last message is 25 hours old: the agent sees why the reply did not go out.
    await world.customerWrites('+819011110003', 'Old question', { timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
    await control('POST', `/sandbox/instances/${instance.id}/pull`);
    const lapsed = ((await control('GET', `/sandbox/tickets?instance_id=${instance.id}`)).data as Json[]).find(
      (ticket) => ticket.subject === 'Old question',
    );
    const late = await control('POST', `/sandbox/tickets/${lapsed.id}/comments`, { body: 'Sorry for the delay' });
    const failed = await waitFor('the refused channelback', async () => {
      const comment = (await control('GET', `/sandbox/tickets/${lapsed.id}`)).comments.find((item: Json) => item.id === late.id);
      return comment.channelback.status === 'pending' ? undefined : comment.channelback;
    });
    expect(failed.status).toBe('failed');
    expect(failed.error.httpStatus).toBe(422);
    // The account was linked by a Japanese admin: the agent reads the reason in Japanese.
    expect(failed.error.message).toContain('24 時間以内');
    expect(failed.attempts).toHaveLength(1);
    expect(world.sandbox.state.messages.size).toBe(sentBefore + 1);
  });
});
