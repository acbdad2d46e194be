import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.js';
import { reservePort } from '../../../test/support/free-port.js';
import { sandboxControl } from '../../../test/support/sandbox.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { createZohoDeskSandbox, type ZohoDeskSandbox } from '../../src/sandboxes/zoho-desk/sandbox.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { call, pixelPng } from '../sandboxes/harness.js';
import { backends } from '../support/backends.js';
import { type SandboxBridge, startSandboxBridge } from '../support/sandbox-bridge.js';
import { customerSendsImage } from './zendesk-support.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

const orgId = '60001234567';

/**
 * The Zoho Desk channel end to end: the Meta sandbox plays the customer, the Zoho Desk sandbox plays the organisation
 * (installing the channel of the extension's resources.json, pulling, pushing agents' replies, OAuth and the Desk API),
 * and the bridge links them: customer writes → ticket and threads (text, image) in Zoho → agent replies → the
 * customer receives it; repeats stored once; refusals on the reply in the portal's language; other tenants refused;
 * Zoho's 429 and 5xx retried; access tokens renewed.
 */
describe.each(backends)('the Zoho Desk channel on $name', (backend) => {
  let world: SandboxBridge;
  let zoho: ZohoDeskSandbox;
  let zohoUrl: string;
  let closeZoho: () => Promise<void>;
  let extension: Json;
  let oauthClient: Json;
  let zohoToken: string;
  let zohoInstallationId: string;
  const clock = new TestClock(new Date());
  const control = (method: string, path: string, body?: unknown) => sandboxControl(zohoUrl, method, path, body);
  const tickets = async () => (await control('GET', '/sandbox/tickets')).data as Json[];
  const pull = () => control('POST', `/sandbox/extensions/${extension.id}/pull`);
  const link = (json: Record<string, unknown>, token = zohoToken) =>
    world.bridge.request('POST', '/v1/channels/zoho/links', {
      token,
      json: {
        security_context: extension.securityContext,
        locale: 'ja',
        oauth: {
          accounts_url: zohoUrl,
          client_id: oauthClient.client_id,
          client_secret: oauthClient.client_secret,
          refresh_token: oauthClient.refresh_token,
        },
        ...json,
      },
    });
  const pushAsZoho = (query: string, resource: Record<string, unknown>) =>
    call(`${world.bridge.url}/v1/channels/zoho/push?${query}`, 'POST', { configParams: {}, resource });

  beforeAll(async () => {
    zoho = createZohoDeskSandbox({ orgId, knobs: { pullIntervalMs: 0 } });
    const running = await zoho.listen(0, '127.0.0.1');
    zohoUrl = running.url;
    closeZoho = () => running.close();
    world = await startSandboxBridge(backend, {
      port: await reservePort(),
      clock,
      environment: { ZOHO_ACCOUNTS_URLS: zohoUrl },
    });
    const installation = await world.bridge.request('POST', `/v1/deployments/${world.deployment.id}/installations`, {
      json: { helpdesk: 'zoho', instance: orgId },
    });
    zohoToken = installation.body.token;
    zohoInstallationId = installation.body.id;
    // What installing the extension does in Zoho Desk: the channel of resources.json, with its sync endpoints.
    extension = await control('POST', '/sandbox/extensions', {
      resourceName: 'wabridge_whatsapp',
      sync: { pull: `${world.bridge.url}/v1/channels/zoho/pull`, push: `${world.bridge.url}/v1/channels/zoho/push` },
    });
    oauthClient = await control('POST', '/sandbox/oauth/clients');
  });
  afterAll(async () => {
    await closeZoho?.();
    await world?.close();
  });

  it('links the organisation with its OAuth client, sealed, taking the API domain from Zoho’s answer', async () => {
    const foreign = await link({ oauth: { ...oauthClient, accounts_url: 'https://accounts.evil.example' } });
    expect(foreign.status).toBe(422);
    const wrongShape = await link({
      oauth: { accounts_url: 'https://accounts.evil.example', client_id: 'x', client_secret: 'y', refresh_token: 'z' },
    });
    expect(wrongShape.body.code).toBe('zoho_accounts_url_not_allowed');
    const refused = await link({
      oauth: {
        accounts_url: zohoUrl,
        client_id: oauthClient.client_id,
        client_secret: oauthClient.client_secret,
        refresh_token: '1000.nope',
      },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('zoho_oauth_refused');
    // A Zendesk installation cannot link a Zoho channel.
    expect((await link({}, world.token)).status).toBe(422);

    const linked = await link({});
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ org_id: orgId, api_domain: zohoUrl, locale: 'ja', id: expect.stringMatching(/^zhl_/) });
    const row = await world.bridge.bridge.database.db
      .selectFrom('zoho_channel_links')
      .selectAll()
      .where('id', '=', linked.body.id)
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    for (const secret of [oauthClient.client_secret, oauthClient.refresh_token, extension.securityContext]) {
      expect(stored).not.toContain(secret);
    }
    const box = new SecretBox(world.bridge.config.encryptionKey);
    expect(box.open(row.refresh_token_sealed, `zoho_channel_link:${row.id}:refresh_token`)).toBe(oauthClient.refresh_token);
    expect(JSON.stringify(linked.body)).not.toContain(oauthClient.client_secret);
  });

  it('turns customers’ messages into one ticket per customer with text and image threads, each message once', async () => {
    await world.customerWrites('+819011110001', '注文した靴のサイズを変更できますか？');
    await customerSendsImage(world, {
      waId: '819011110001',
      wamid: 'wamid.zoho-image-1',
      bytes: pixelPng,
      caption: 'この靴です',
    });
    await world.customerWrites('+819011110002', 'Hello from Taro');

    const first = await pull();
    expect(first.outcome).toBe('ok');
    expect(first.results.map((result: Json) => [result.entity, result.outcome])).toEqual([
      ['ticket', 'created'],
      ['ticket', 'created'],
      ['thread', 'created'],
      ['thread', 'created'],
      ['thread', 'created'],
    ]);
    const all = await tickets();
    expect(all.map((ticket) => ticket.extId).sort()).toEqual(['whatsapp:+819011110001', 'whatsapp:+819011110002']);
    const hanako = all.find((ticket) => ticket.extId === 'whatsapp:+819011110001');
    expect(hanako.threads.map((thread: Json) => thread.content)).toEqual([
      '注文した靴のサイズを変更できますか？',
      'この靴です\n[Image]',
    ]);
    expect(hanako.threads[1].extId).toBe('wamid.zoho-image-1');
    expect(hanako.threads[1].attachments).toEqual([expect.objectContaining({ contentType: 'image/png', size: pixelPng.length })]);

    // Nothing new: nothing twice. The same customer again: the same ticket.
    expect((await pull()).results).toEqual([]);
    await world.customerWrites('+819011110001', 'もう一つ質問があります');
    expect((await pull()).results.map((result: Json) => result.outcome)).toEqual(['updated', 'created']);
    expect(await tickets()).toHaveLength(2);

    // Zoho loses the cursor: everything comes again and is stored once.
    zoho.context.state.extensions.get(extension.id)!.configParams.channelState = '';
    const again = await pull();
    expect(again.results.filter((result: Json) => result.entity === 'thread').map((result: Json) => result.outcome)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    const hanakoAfter = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110001');
    expect(hanakoAfter.threads).toHaveLength(3);
  });

  it('sends an agent’s reply to the customer and answers its delivery state; a repeated push sends once', async () => {
    const taro = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110002');
    const sentBefore = world.sandbox.state.messages.size;
    const reply = await control('POST', `/sandbox/tickets/${taro.id}/reply`, { content: 'Hello Taro, how can we help?' });
    expect(reply.status).toBe('PENDING');
    const settled = await waitFor('the reply push', async () => {
      const thread = (await control('GET', `/sandbox/tickets/${taro.id}`)).threads.find((item: Json) => item.id === reply.id);
      return thread.status === 'PENDING' ? undefined : thread;
    });
    expect(settled).toMatchObject({ status: 'SUCCESS', extId: expect.stringMatching(/^wamid\./) });
    expect(world.sandbox.state.messages.size).toBe(sentBefore + 1);
    expect([...world.sandbox.state.messages.values()].at(-1)).toMatchObject({ recipientWaId: '819011110002', type: 'text' });

    // Zoho (or a proxy) repeats the push of the same reply: the same answer, nothing sent again.
    const query = `securityContext=${encodeURIComponent(extension.securityContext)}&orgId=${orgId}`;
    const resource = { id: 'reply-repeat-1', extParentId: 'whatsapp:+819011110002', content: 'One message only' };
    const once = await pushAsZoho(query, resource);
    const twice = await pushAsZoho(query, resource);
    expect(once.status).toBe(200);
    expect(twice.body).toEqual(once.body);
    expect(world.sandbox.state.messages.size).toBe(sentBefore + 2);
  });

  it('puts the business’s messages from the sidebar in the ticket as outgoing threads, and an agent’s reply only once', async () => {
    const sent = await world.bridge.request('POST', '/v1/messages', {
      token: zohoToken,
      json: { to: '+819011110002', text: { body: 'We have your order, Taro.' } },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(sent.status).toBe(202);
    await world.settle();
    await pull();
    const taro = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110002');
    const fromSidebar = taro.threads.find((thread: Json) => thread.extId === sent.body.id);
    expect(fromSidebar).toMatchObject({
      direction: 'out',
      content: 'We have your order, Taro.',
      author: { type: 'AGENT', name: world.deployment.display_name },
    });
    // The agent's replies from Zoho's composer are on the ticket already: a pull brings none of them again.
    const contents = taro.threads.map((thread: Json) => thread.content);
    expect(contents.filter((content: string) => content === 'Hello Taro, how can we help?')).toHaveLength(1);
    expect(contents.filter((content: string) => content === 'One message only')).toHaveLength(0);
    expect((await pull()).results).toEqual([]);

    // A file sent from the sidebar comes as the file, downloaded by Zoho from a signed URL.
    const uploaded = await fetch(`${world.bridge.url}/v1/media?filename=label.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${zohoToken}`, 'content-type': 'image/png' },
      body: new Uint8Array(pixelPng),
    });
    expect(uploaded.status).toBe(201);
    const image = await world.bridge.request('POST', '/v1/messages', {
      token: zohoToken,
      json: { to: '+819011110002', media: { kind: 'image', upload_id: ((await uploaded.json()) as Json).id } },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(image.status).toBe(202);
    await world.settle();
    await pull();
    const withFile = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110002');
    expect(withFile.threads.find((thread: Json) => thread.extId === image.body.id)).toMatchObject({
      direction: 'out',
      attachments: [expect.objectContaining({ contentType: 'image/png', size: pixelPng.length })],
    });
  });

  it('fails a reply outside the window with the reason in the portal’s language, sending nothing', async () => {
    await world.customerWrites('+819011110003', 'Old question', { timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
    await pull();
    const lapsed = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110003');
    const sentBefore = world.sandbox.state.messages.size;
    const reply = await control('POST', `/sandbox/tickets/${lapsed.id}/reply`, { content: 'Sorry for the delay' });
    const failed = await waitFor('the refused reply', async () => {
      const thread = (await control('GET', `/sandbox/tickets/${lapsed.id}`)).threads.find((item: Json) => item.id === reply.id);
      return thread.status === 'PENDING' ? undefined : thread;
    });
    expect(failed.status).toBe('FAILED');
    expect(failed.push.errorMessage).toContain('24 時間以内');
    expect(world.sandbox.state.messages.size).toBe(sentBefore);
  });

  it('refuses another organisation, an unknown channel and a file URL signed for another message', async () => {
    const sentBefore = world.sandbox.state.messages.size;
    const resource = { id: 'cross-1', extParentId: 'whatsapp:+819011110002', content: 'Not from this org' };
    const otherOrg = await pushAsZoho(
      `securityContext=${encodeURIComponent(extension.securityContext)}&orgId=60009999999`,
      resource,
    );
    expect(otherOrg.status).toBe(401);
    const unknown = await pushAsZoho(`securityContext=forged-context-value&orgId=${orgId}`, resource);
    expect(unknown.status).toBe(401);
    const pulled = await call(`${world.bridge.url}/v1/channels/zoho/pull?securityContext=nope&orgId=${orgId}`, 'POST', {});
    expect(pulled.status).toBe(401);
    expect(world.sandbox.state.messages.size).toBe(sentBefore);

    // A second installation (another org on this deployment) cannot take over the linked channel.
    const other = await world.bridge.request('POST', `/v1/deployments/${world.deployment.id}/installations`, {
      json: { helpdesk: 'zoho', instance: '60009999999' },
    });
    const takeover = await link({}, other.body.token);
    expect(takeover.status).toBe(422);

    const hanako = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110001');
    const source = new URL(hanako.threads[1].attachments[0].sourceUrl);
    expect((await fetch(source)).status).toBe(200);
    const otherMessage = new URL(source);
    otherMessage.pathname = otherMessage.pathname.replace('wamid.zoho-image-1', 'wamid.other');
    expect((await fetch(otherMessage)).status).toBe(403);
    const later = new URL(source);
    later.searchParams.set('expires', String(Number(source.searchParams.get('expires')) + 3600));
    expect((await fetch(later)).status).toBe(403);
  });

  it('retries Zoho’s 429 and 5xx, and renews the access token when it expires or Zoho revokes it', async () => {
    const status = () => world.bridge.request('GET', '/v1/channels/zoho/link', { token: zohoToken });
    const storedToken = async () =>
      (
        await world.bridge.bridge.database.db
          .selectFrom('zoho_channel_links')
          .select('access_token_sealed')
          .where('removed_at', 'is', null)
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow()
      ).access_token_sealed;

    await control('PUT', '/sandbox/faults/api', { mode: 'rate_limited', count: 1, retryAfterSeconds: 0 });
    const afterRateLimit = await status();
    expect(afterRateLimit.status).toBe(200);
    expect(afterRateLimit.body).toMatchObject({ org_id: orgId, org_reachable: true, api_domain: zohoUrl });

    await control('PUT', '/sandbox/faults/api', { mode: 'server_error', count: 1, httpStatus: 502 });
    expect((await status()).status).toBe(200);

    await control('PUT', '/sandbox/faults/api', { mode: 'server_error', count: 3, httpStatus: 503 });
    const down = await status();
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('zoho_unavailable');
    await control('PUT', '/sandbox/faults/api', { mode: 'none' });

    // The stored token is kept while valid, renewed when the bridge's clock passes its expiry.
    const before = await storedToken();
    expect((await status()).status).toBe(200);
    expect(await storedToken()).toBe(before);
    clock.advance(2 * 3600_000);
    expect((await status()).status).toBe(200);
    const renewed = await storedToken();
    expect(renewed).not.toBe(before);

    // Zoho revokes every token early: one 401, a new token, the call succeeds.
    await control('POST', '/sandbox/oauth/expire');
    expect((await status()).status).toBe(200);
    expect(await storedToken()).not.toBe(renewed);
  });

  it('delivers a new conversation only to the Zoho Desk installation the deployment routes it to', async () => {
    const routingPath = `/v1/deployments/${world.deployment.id}/conversation-routing`;
    const before = await world.bridge.request('GET', routingPath);
    expect(before.body.zoho).toEqual({ installation_ids: expect.arrayContaining([zohoInstallationId]), explicit: false });
    const zendeskBefore = before.body.zendesk;
    // A second Zoho Desk organisation on the same number, named as the one that receives conversations.
    const other = await world.bridge.request('POST', `/v1/deployments/${world.deployment.id}/installations`, {
      json: { helpdesk: 'zoho', instance: '60007654321' },
    });
    expect(other.status).toBe(201);
    const named = await world.bridge.request('PUT', routingPath, { json: { zoho_installation_id: other.body.id } });
    expect(named.status).toBe(200);
    expect(named.body.zoho).toEqual({ installation_ids: [other.body.id], explicit: true });
    // Routing Zoho Desk leaves Zendesk's route as it was.
    expect(named.body.zendesk).toEqual(zendeskBefore);

    await world.customerWrites('+819011110004', 'Routed to the other organisation');
    expect((await pull()).results).toEqual([]);
    expect((await tickets()).map((ticket) => ticket.extId)).not.toContain('whatsapp:+819011110004');

    // Routed here again: what was written meanwhile comes with the next pull, once.
    const back = await world.bridge.request('PUT', routingPath, { json: { zoho_installation_id: zohoInstallationId } });
    expect(back.body.zoho).toEqual({ installation_ids: [zohoInstallationId], explicit: true });
    expect((await pull()).results.map((result: Json) => [result.entity, result.outcome])).toEqual([
      ['ticket', 'created'],
      ['thread', 'created'],
    ]);
    expect((await pull()).results).toEqual([]);
    const routed = (await tickets()).find((ticket) => ticket.extId === 'whatsapp:+819011110004');
    expect(routed.threads.map((thread: Json) => thread.content)).toEqual(['Routed to the other organisation']);
  });
});
