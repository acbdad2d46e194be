import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.js';
import { zendeskSchemas } from '../../src/sandboxes/zendesk/schemas.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { pixelPng } from '../sandboxes/harness.js';
import { backends } from '../support/backends.js';
import { deploymentRequest, registerWithMeta } from '../support/bridge.js';
import { type SandboxBridge, startSandboxBridge } from '../support/sandbox-bridge.js';
import { customerSendsImage, linkedMetadata, linkThroughAdminUi, onBridge, postForm, subdomainOf } from './zendesk-support.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

/** What Zendesk itself accepts (the sandbox's schemas, from Zendesk's documentation), with https as in production. */
const zendesk = zendeskSchemas(false);

const hanako = '+819012345001';
const taro = '+819012345002';

describe.each(backends)('the Zendesk channel on $name', (backend) => {
  let world: SandboxBridge;
  const clock = new TestClock(new Date());
  const url = (path: string) => `${world.bridge.url}${path}`;
  const pullWith = (metadata: string, state?: string) =>
    postForm(url('/v1/channels/zendesk/pull'), { metadata, ...(state === undefined ? {} : { state }) });
  const channelbackWith = (metadata: string, fields: Record<string, string>) =>
    postForm(url('/v1/channels/zendesk/channelback'), {
      message: 'Thank you, we are checking your order.',
      metadata,
      request_unique_identifier: randomUUID(),
      ...fields,
    });
  const sentToMeta = () => [...world.sandbox.state.messages.values()];

  beforeAll(async () => {
    world = await startSandboxBridge(backend, { clock, accountName: 'Sakura Shoes' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('serves a manifest Zendesk accepts, with every URL under the bridge', async () => {
    const answer = await world.bridge.request('GET', '/v1/channels/zendesk/manifest.json', { token: null });
    expect(answer.status).toBe(200);
    const manifest = zendesk.manifest.parse(answer.body);
    expect(manifest).toMatchObject({ name: 'WhatsApp (wabridge)', create_followup_tickets: true, channelback_files: false });
    expect(manifest.urls).toEqual({
      admin_ui: 'https://bridge.example.test/v1/channels/zendesk/admin',
      pull_url: 'https://bridge.example.test/v1/channels/zendesk/pull',
      channelback_url: 'https://bridge.example.test/v1/channels/zendesk/channelback',
      clickthrough_url: 'https://bridge.example.test/v1/channels/zendesk/clickthrough',
      event_callback_url: 'https://bridge.example.test/v1/channels/zendesk/events',
    });
    // Push is not offered until the bridge pushes.
    expect(manifest.push_client_id).toBeUndefined();
  });

  describe('the admin UI', () => {
    it('links with the installation token and hands Zendesk name and metadata, never the push token', async () => {
      const subdomain = await subdomainOf(world, world.token);
      const pushToken = `zat_${randomUUID()}`;
      const { opened, linked, returned } = await linkThroughAdminUi(world.bridge.url, {
        subdomain,
        token: world.token,
        pushToken,
        name: 'Support WhatsApp',
      });
      expect(opened.status).toBe(200);
      expect(opened.contentType).toMatch(/^text\/html/);
      expect(opened.text).not.toContain(pushToken);
      expect(linked?.status).toBe(200);
      expect(linked?.text).toContain('document.getElementById("finish").submit()');
      expect(returned?.method).toBe('post');
      expect(Object.keys(returned?.fields ?? {}).sort()).toEqual(['metadata', 'name', 'state']);
      expect(returned?.fields.name).toBe('Support WhatsApp');
      const metadata = JSON.parse(returned!.fields.metadata!);
      expect(Object.keys(metadata).sort()).toEqual(['link', 'signature']);
      expect(returned!.fields.metadata).not.toContain(pushToken);
      expect(returned!.fields.metadata).not.toContain(world.token);

      const row = await world.bridge.bridge.database.db
        .selectFrom('zendesk_channel_links')
        .selectAll()
        .where('id', '=', metadata.link)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ subdomain, name: 'Support WhatsApp', instance_push_id: 'push-id-1', removed_at: null });
      expect(row.push_token_sealed).not.toContain(pushToken);
      expect(
        new SecretBox(world.bridge.config.encryptionKey).open(
          row.push_token_sealed!,
          `zendesk_channel_link:${row.id}:push_token`,
        ),
      ).toBe(pushToken);
    });

    it('speaks Japanese to a Japanese admin', async () => {
      const { opened } = await linkThroughAdminUi(world.bridge.url, {
        subdomain: await subdomainOf(world, world.token),
        token: 'wbi_wrong',
        locale: 'ja',
      });
      expect(opened.text).toContain('<html lang="ja">');
      expect(opened.text).toContain('インストールトークン');
    });

    it('refuses a wrong token, another Zendesk’s token and a foreign return_url, linking nothing', async () => {
      const links = () => world.bridge.bridge.database.db.selectFrom('zendesk_channel_links').select('id').execute();
      const before = (await links()).length;
      const subdomain = await subdomainOf(world, world.token);

      const wrong = await linkThroughAdminUi(world.bridge.url, { subdomain, token: 'wbi_not-a-token' });
      expect(wrong.linked?.status).toBe(401);
      expect(wrong.linked?.text).toContain('not valid for this Zendesk account');
      expect(wrong.returned).toBeUndefined();

      // The token is good, but it is the installation of another Zendesk account.
      const elsewhere = await linkThroughAdminUi(world.bridge.url, { subdomain: 'someone-else', token: world.token });
      expect(elsewhere.linked?.status).toBe(401);
      expect(elsewhere.returned).toBeUndefined();

      const foreign = await linkThroughAdminUi(world.bridge.url, {
        subdomain,
        token: world.token,
        returnUrl: 'https://attacker.example/collect',
      });
      expect(foreign.opened.status).toBe(400);
      expect(foreign.linked).toBeUndefined();

      const tampered = await postForm(url('/v1/channels/zendesk/admin/link'), {
        setup: 'v1.00000000.AAAA.AAAA.AAAA',
        name: 'x',
        installation_token: world.token,
      });
      expect(tampered.status).toBe(400);
      expect((await links()).length).toBe(before);
    });
  });

  describe('pull', () => {
    let metadata: string;

    beforeAll(async () => {
      await world.customerWrites(hanako, 'Written before the link: not imported');
      metadata = await linkedMetadata(world);
    });

    it('answers new messages once each, one thread per customer, with a state that moves past them', async () => {
      await world.customerWrites(hanako, 'Where is my order?');
      await world.customerWrites(taro, 'Hello');
      await world.customerWrites(hanako, 'Order ORD-1');

      const first = await pullWith(metadata, '');
      expect(first.status).toBe(200);
      const answer = zendesk.pullAnswer.parse(first.json());
      expect(answer.external_resources.map((resource) => resource.message)).toEqual([
        'Where is my order?',
        'Hello',
        'Order ORD-1',
      ]);
      const [a, b, c] = answer.external_resources as Json[];
      expect(a.external_id).toMatch(/^wamid\./);
      expect(a.thread_id).toBe(`whatsapp:${world.deployment.id}:${hanako}`);
      expect(c.thread_id).toBe(a.thread_id);
      expect(b.thread_id).toBe(`whatsapp:${world.deployment.id}:${taro}`);
      expect(a.author).toEqual({ external_id: hanako, name: expect.any(String) });
      expect(Date.parse(a.created_at)).not.toBeNaN();

      // The next pull with the new state has nothing; the same state again answers the same resources (Zendesk then
      // reports them already_imported by external_id).
      expect((await pullWith(metadata, answer.state)).json().external_resources).toEqual([]);
      const again = (await pullWith(metadata, '')).json();
      expect(again.external_resources.map((resource: Json) => resource.external_id)).toEqual(
        answer.external_resources.map((resource) => resource.external_id),
      );

      await world.customerWrites(taro, 'One more');
      const next = (await pullWith(metadata, answer.state)).json();
      expect(next.external_resources.map((resource: Json) => resource.message)).toEqual(['One more']);
    });

    it('serves a customer’s image under a short-lived signed URL that cannot be forged', async () => {
      const wamid = `wamid.image-${randomUUID()}`;
      await customerSendsImage(world, { waId: hanako.slice(1), wamid, bytes: pixelPng, caption: 'The broken heel' });
      const resources = (await pullWith(metadata, '')).json().external_resources as Json[];
      const image = resources.find((resource) => resource.external_id === wamid);
      expect(image.message).toBe('The broken heel\n[Image]');
      expect(image.file_urls).toHaveLength(1);
      const fileUrl = new URL(image.file_urls[0]);
      expect(fileUrl.origin).toBe('https://bridge.example.test');

      const file = await fetch(onBridge(world.bridge.url, fileUrl.toString()));
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await file.arrayBuffer()).equals(pixelPng)).toBe(true);

      const signature = fileUrl.searchParams.get('signature')!;
      const forged = new URL(fileUrl);
      forged.searchParams.set('signature', `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`);
      expect((await fetch(onBridge(world.bridge.url, forged.toString()))).status).toBe(403);
      const extended = new URL(fileUrl);
      extended.searchParams.set('expires', String(Number(fileUrl.searchParams.get('expires')) + 3600));
      expect((await fetch(onBridge(world.bridge.url, extended.toString()))).status).toBe(403);
      const otherMessage = new URL(fileUrl.toString().replace(encodeURIComponent(wamid), 'wamid.other'));
      expect((await fetch(onBridge(world.bridge.url, otherMessage.toString()))).status).toBe(403);

      clock.advance(16 * 60_000);
      try {
        const expired = await fetch(onBridge(world.bridge.url, fileUrl.toString()));
        expect(expired.status).toBe(403);
        expect(((await expired.json()) as Json).code).toBe('signed_url_invalid');
      } finally {
        clock.advance(-16 * 60_000);
      }
    });

    it('refuses metadata that is malformed, unknown, or signed for another link', async () => {
      const other = await linkedMetadata(world);
      const mine = JSON.parse(metadata);
      const theirs = JSON.parse(other);
      for (const forged of [
        'not json',
        JSON.stringify({ link: mine.link }),
        JSON.stringify({ link: mine.link, signature: theirs.signature }),
        JSON.stringify({ link: 'zcl_000000000000000000000000', signature: mine.signature }),
      ]) {
        const answer = await pullWith(forged, '');
        expect(answer.status).toBe(401);
        expect(answer.json().error).toBe('invalid_metadata');
      }
    });
  });

  describe('channelback', () => {
    let metadata: string;

    beforeAll(async () => {
      metadata = await linkedMetadata(world);
      await world.customerWrites(hanako, 'Can you help?');
    });

    it('sends the agent’s reply once, and answers a retry with the same external id', async () => {
      const sentBefore = sentToMeta().length;
      const identifier = randomUUID();
      const fields = { recipient_id: hanako, request_unique_identifier: identifier, message: 'Yes, of course.' };
      const first = await channelbackWith(metadata, fields);
      expect(first.status).toBe(200);
      const answer = zendesk.channelbackAnswer.parse(first.json());
      expect(answer.external_id).toMatch(/^msg_/);
      expect(answer.allow_channelback).toBe(true);
      const retry = await channelbackWith(metadata, fields);
      expect(retry.status).toBe(200);
      expect(retry.json().external_id).toBe(answer.external_id);
      expect(sentToMeta().length).toBe(sentBefore + 1);
      expect(sentToMeta().at(-1)).toMatchObject({ recipientWaId: hanako.slice(1), type: 'text' });

      // The panel's conversation shows both directions, ours with its status.
      await world.settle();
      const conversation = await world.bridge.request('GET', `/v1/conversations/${encodeURIComponent(hanako)}`, {
        token: world.token,
      });
      expect(conversation.status).toBe(200);
      const last = conversation.body.data.at(-1);
      expect(last).toMatchObject({ direction: 'outbound', id: answer.external_id, text: 'Yes, of course.' });
      expect(last.message.status).toMatch(/^(sent|delivered|read)$/);
      expect(conversation.body.data.at(-2)).toMatchObject({ direction: 'inbound', text: 'Can you help?' });
    });

    it('finds the customer from the thread when Zendesk sends no recipient', async () => {
      const answer = await channelbackWith(metadata, { thread_id: `whatsapp:${world.deployment.id}:${hanako}` });
      expect(answer.status).toBe(200);
      const otherNumber = await channelbackWith(metadata, { thread_id: `whatsapp:dep_000000000000000000000000:${hanako}` });
      expect(otherNumber.status).toBe(422);
    });

    it('refuses a reply outside the window with a reason the agent reads, sending nothing', async () => {
      const lapsed = '+819012345003';
      await world.customerWrites(lapsed, 'Old question', { timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
      const sentBefore = sentToMeta().length;
      const answer = await channelbackWith(metadata, { recipient_id: lapsed });
      expect(answer.status).toBe(422);
      expect(answer.contentType).toMatch(/^text\/plain/);
      expect(answer.text).toContain('the customer has not written in the last 24 hours');
      expect(sentToMeta().length).toBe(sentBefore);

      const japanese = await linkedMetadata(world, world.token, 'ja');
      const inJapanese = await channelbackWith(japanese, { recipient_id: lapsed });
      expect(inJapanese.status).toBe(422);
      expect(inJapanese.text).toContain('24 時間以内');
    });

    it('refuses a reply the account has no points for', async () => {
      const accountId = (await world.bridge.request('GET', `/v1/deployments/${world.deployment.id}`)).body.account_id;
      // From 2026-10-01 the reported rule set charges service replies: an account with prices and no points cannot reply.
      expect(
        (
          await world.bridge.request('PUT', '/v1/wallet/settings', {
            json: { account_id: accountId, currency: 'USD', point_price_minor: 1, point_value_micro_usd: 1_000 },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await world.bridge.request('PUT', `/v1/accounts/${accountId}/pricing`, {
            json: { enabled_rule_sets: ['pmp-2026-10-01'] },
          })
        ).status,
      ).toBe(200);
      try {
        const sentBefore = sentToMeta().length;
        const answer = await channelbackWith(metadata, { recipient_id: hanako });
        expect(answer.status).toBe(422);
        expect(answer.text).toContain('not have enough points');
        expect(sentToMeta().length).toBe(sentBefore);
      } finally {
        await world.bridge.request('PUT', `/v1/accounts/${accountId}/pricing`, { json: { enabled_rule_sets: [] } });
      }
    });

    it('never lets one tenant’s metadata reach another tenant’s customers', async () => {
      const account = await world.bridge.request('POST', '/v1/accounts', { json: { name: 'Other tenant' } });
      const request = deploymentRequest(account.body.id);
      // Creating a deployment checks its credentials with Meta: the sandbox knows the other tenant's number.
      registerWithMeta(world.sandbox, request);
      const deployment = (await world.bridge.request('POST', '/v1/deployments', { json: request })).body;
      const installation = await world.bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'other-tenant.zendesk.com' },
      });
      const otherMetadata = (
        await linkThroughAdminUi(world.bridge.url, { subdomain: 'other-tenant', token: installation.body.token })
      ).returned!.fields.metadata!;
      // Their pull sees none of our customers' messages; their channelback cannot reach our customer's open window.
      expect((await pullWith(otherMetadata, '')).json().external_resources).toEqual([]);
      const sentBefore = sentToMeta().length;
      const reply = await channelbackWith(otherMetadata, { recipient_id: hanako });
      expect(reply.status).toBe(422);
      expect(sentToMeta().length).toBe(sentBefore);
      // Our link id with their signature is refused outright.
      const forged = JSON.stringify({ link: JSON.parse(metadata).link, signature: JSON.parse(otherMetadata).signature });
      expect((await channelbackWith(forged, { recipient_id: hanako })).status).toBe(401);
      // The panel's conversation is the caller's deployment's only.
      const theirs = await world.bridge.request('GET', `/v1/conversations/${encodeURIComponent(hanako)}`, {
        token: installation.body.token,
      });
      expect(theirs.body.data).toEqual([]);
    });
  });

  describe('events', () => {
    it('records events of a linked account and removes it only on its own signed removal', async () => {
      const metadata = await linkedMetadata(world);
      const linkId = JSON.parse(metadata).link;
      const subdomain = await subdomainOf(world, world.token);
      const event = (typeId: string, data: Record<string, unknown>) => ({
        type_id: typeId,
        timestamp: new Date().toISOString(),
        subdomain,
        integration_name: 'WhatsApp (wabridge)',
        integration_id: 'com.wabridge.zendesk.whatsapp',
        data,
      });
      const post = (events: unknown[]) =>
        world.bridge.request('POST', '/v1/channels/zendesk/events', { token: null, json: { events } });

      const forgedRemoval = await post([event('destroy_integration_instance', { metadata: '{"link":"x"}' })]);
      expect(forgedRemoval.body).toEqual({ recorded: 0 });
      expect((await pullWith(metadata, '')).status).toBe(200);

      const recorded = await post([
        event('resources_created_from_external_ids', {
          integration_instance_name: 'WhatsApp Japan',
          request_id: 'r1',
          resource_events: [],
        }),
        event('destroy_integration_instance', { metadata }),
      ]);
      expect(recorded.body).toEqual({ recorded: 2 });
      const rows = await world.bridge.bridge.database.db
        .selectFrom('zendesk_channel_events')
        .select(['type_id', 'verified'])
        .where('link_id', '=', linkId)
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { type_id: 'resources_created_from_external_ids', verified: false },
        { type_id: 'destroy_integration_instance', verified: true },
      ]);
      expect((await pullWith(metadata, '')).status).toBe(401);
    });
  });

  describe('the conversation', () => {
    it('pages back in time and refuses a cursor it did not give', async () => {
      const path = `/v1/conversations/${encodeURIComponent(taro)}`;
      const all = await world.bridge.request('GET', path, { token: world.token });
      expect(all.body.data.map((entry: Json) => entry.text)).toEqual(['Hello', 'One more']);
      const newest = await world.bridge.request('GET', `${path}?limit=1`, { token: world.token });
      expect(newest.body.data.map((entry: Json) => entry.text)).toEqual(['One more']);
      const older = await world.bridge.request('GET', `${path}?limit=1&cursor=${newest.body.next_cursor}`, {
        token: world.token,
      });
      expect(older.body.data.map((entry: Json) => entry.text)).toEqual(['Hello']);
      expect(older.body.next_cursor).toBeNull();
      expect((await world.bridge.request('GET', `${path}?cursor=bogus`, { token: world.token })).status).toBe(422);
      expect((await world.bridge.request('GET', path, { token: null })).status).toBe(401);
      expect((await world.bridge.request('GET', '/v1/conversations/not-a-phone', { token: world.token })).status).toBe(422);
    });
  });
});
