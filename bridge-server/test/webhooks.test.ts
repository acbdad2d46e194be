import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { Agent, type ClientRequest, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { furthestStatus } from '@wabridge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.js';
import { decodeSegment } from '../src/webhooks/journal.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { inboundText, metaJson, metaSignature, statusUpdate } from './support/meta.js';

const fixturesDirectory = new URL('../../test/fixtures/pywa/', import.meta.url);
const hourMs = 60 * 60 * 1000;

describe.each(backends)('Meta webhooks on $name', (backend) => {
  let bridge: TestBridge;
  let deployment: { id: string; phone_number_id: string };
  let secrets: { app_secret: string; verify_token: string };
  let installationToken: string;
  let otherInstallationToken: string;

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Webhooks' } });
    const { answer, request } = await bridge.createDeployment(account.body.id);
    secrets = { app_secret: request.app_secret as string, verify_token: request.verify_token as string };
    deployment = answer.body;
    installationToken = (
      await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'webhooks.zendesk.com' },
      })
    ).body.token;
    const other = await bridge.request('POST', '/v1/accounts', { json: { name: 'Other tenant' } });
    const otherDeployment = (await bridge.createDeployment(other.body.id)).answer;
    otherInstallationToken = (
      await bridge.request('POST', `/v1/deployments/${otherDeployment.body.id}/installations`, {
        json: { helpdesk: 'zoho', instance: '60099999999' },
      })
    ).body.token;
  });
  afterAll(async () => {
    await bridge?.close();
  });

  const db = () => bridge.bridge.database.db;

  async function post(
    body: string | Buffer,
    signature: string | null = metaSignature(body, secrets.app_secret),
    path = deployment.id,
  ) {
    const response = await fetch(`${bridge.url}/v1/webhooks/meta/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
      body,
    });
    return { status: response.status, text: await response.text() };
  }

  async function deliver(payload: unknown) {
    const answer = await post(metaJson(payload));
    expect(answer.status).toBe(200);
    await bridge.bridge.processor.drain();
  }

  async function storedCount() {
    const row = await db()
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async function contactStatus(phone: string, token = installationToken) {
    return bridge.request('GET', `/v1/contacts/${encodeURIComponent(phone)}/status`, { token });
  }

  describe('verification handshake', () => {
    it('answers the challenge for the deployment’s verify token only', async () => {
      const query = (token: string) =>
        `hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(token)}`;
      const ok = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}?${query(secrets.verify_token)}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await ok.text()).toBe('1158201444');
      const wrong = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}?${query('not-the-token')}`);
      expect(wrong.status).toBe(403);
      expect(((await wrong.json()) as { code: string }).code).toBe('invalid_verify_token');
      const incomplete = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}?hub.mode=subscribe`);
      expect(incomplete.status).toBe(422);
      const unknown = await fetch(`${bridge.url}/v1/webhooks/meta/dep_000000000000000000000000?${query(secrets.verify_token)}`);
      expect(unknown.status).toBe(404);
      expect(bridge.logs()).not.toContain(secrets.verify_token);
    });
  });

  describe('signatures', () => {
    const body = () =>
      metaJson(
        inboundText(deployment.phone_number_id, { waId: '819011110000', id: `wamid.sig-${Math.random()}`, at: new Date() }),
      );

    it.each([
      ['missing', null],
      ['malformed', 'sha1=abc'],
      ['made with another secret', metaSignature('{}', 'another-secret')],
      ['of another body', metaSignature('{"object":"whatsapp_business_account","entry":[]}', 'x')],
    ])('refuses a %s signature with 401 and stores nothing', async (_case, signature) => {
      const before = await storedCount();
      const payload = body();
      const answer = await post(payload, signature === null ? null : (signature ?? metaSignature(payload, secrets.app_secret)));
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text).code).toBe('invalid_signature');
      expect(await storedCount()).toBe(before);
    });

    it('verifies the raw bytes of a non-ASCII body, and refuses the same body re-serialised', async () => {
      const payload = body();
      expect(payload).toMatch(/\\u3053\\u3093/);
      const signature = metaSignature(payload, secrets.app_secret);
      const reserialised = JSON.stringify(JSON.parse(payload));
      expect(reserialised).toContain('こんにちは');
      const before = await storedCount();
      expect((await post(reserialised, signature)).status).toBe(401);
      expect(await storedCount()).toBe(before);
      expect((await post(payload, signature)).status).toBe(200);
      expect(await storedCount()).toBe(before + 1);
    });

    it('refuses signed bodies that are not JSON or not a WhatsApp notification, and unknown deployments', async () => {
      expect(JSON.parse((await post('{"object":')).text).code).toBe('invalid_json');
      const notWhatsApp = await post(JSON.stringify({ object: 'page', entry: [] }));
      expect(notWhatsApp.status).toBe(400);
      expect(JSON.parse(notWhatsApp.text).code).toBe('invalid_webhook');
      expect((await post('{}', undefined, 'dep_000000000000000000000000')).status).toBe(404);
    });

    it('accepts bodies up to Meta’s 3 MB and refuses larger ones', async () => {
      const padding = 'x'.repeat(3 * 1024 * 1024);
      const large = metaJson({ object: 'whatsapp_business_account', entry: [], padding });
      const answer = await post(large);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text).code).toBe('payload_too_large');
    });
  });

  describe('the two ways in: the ingress before Express, and Express’s route for the rest', () => {
    const signed = () =>
      metaJson(
        inboundText(deployment.phone_number_id, { waId: '819011110001', id: `wamid.way-${Math.random()}`, at: new Date() }),
      );

    /** One request, as the bridge answers it: what a client can see of it, less the request's own id. */
    async function seen(path: string, body: string | Buffer, headers: Record<string, string>) {
      const response = await fetch(`${bridge.url}/v1/webhooks/meta/${path}`, { method: 'POST', headers, body });
      const text = await response.text();
      const problem = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      expect(problem?.request_id).toBe(problem === undefined ? undefined : response.headers.get('x-request-id'));
      if (problem !== undefined) delete problem.request_id;
      return {
        status: response.status,
        headers: Object.fromEntries(
          ['content-type', 'content-length', 'cache-control', 'x-content-type-options', 'retry-after'].map((name) => [
            name,
            response.headers.get(name),
          ]),
        ),
        requestId: /^[0-9a-f-]{36}$/.test(response.headers.get('x-request-id') ?? ''),
        problem,
      };
    }

    it.each([
      ['a valid webhook', () => signed(), undefined, undefined],
      ['a missing signature', () => signed(), null, undefined],
      ['a body that is not JSON', () => '{"object":', undefined, undefined],
      ['a body that is not UTF-8', () => Buffer.from([0x7b, 0xff, 0x7d]), undefined, undefined],
      ['a body that is not a WhatsApp notification', () => JSON.stringify({ object: 'page', entry: [] }), undefined, undefined],
      ['an unknown deployment', () => '{}', undefined, 'dep_000000000000000000000000'],
      [
        'a body over 3 MB',
        () => metaJson({ object: 'whatsapp_business_account', entry: [], padding: 'x'.repeat(3 << 20) }),
        undefined,
        undefined,
      ],
    ])('answers %s the same either way', async (_case, body, signature, path) => {
      const answers = [];
      // The plain path is the ingress's; a query string leaves the request to Express's route.
      for (const suffix of ['', '?via=express']) {
        const payload = body();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (signature !== null) headers['x-hub-signature-256'] = metaSignature(payload, secrets.app_secret);
        const before = await storedCount();
        answers.push(await seen(`${path ?? deployment.id}${suffix}`, payload, headers));
        expect(await storedCount()).toBe(before + (answers.at(-1)?.status === 200 ? 1 : 0));
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]?.requestId).toBe(true);
      expect(answers[0]?.headers['cache-control']).toBe('no-store');
    });

    it('leaves a compressed body and a percent-encoded id to Express, which inflates and decodes them', async () => {
      const payload = signed();
      const gzipped = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'x-hub-signature-256': metaSignature(payload, secrets.app_secret),
        },
        body: gzipSync(payload),
      });
      expect(gzipped.status).toBe(200);
      const encoded = deployment.id.replace('_', '%5F');
      expect((await post(signed(), undefined, encoded)).status).toBe(200);
      const malformed = await post(signed(), undefined, `${deployment.id}%zz`);
      expect([malformed.status, JSON.parse(malformed.text).code]).toEqual([400, 'invalid_url']);
    });

    it('refuses a body sent in chunks past 3 MB, answers on the same connection, and survives a client that goes away', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const sockets = new Set<unknown>();
      const send = (write: (request: ClientRequest) => void) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const request = httpRequest(`${bridge.url}/v1/webhooks/meta/${deployment.id}`, {
            method: 'POST',
            agent,
            headers: { 'x-hub-signature-256': metaSignature('x', secrets.app_secret) },
          });
          request.on('socket', (socket) => sockets.add(socket));
          request.on('response', (response) => {
            let text = '';
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          });
          request.on('error', reject);
          write(request);
        });
      const chunk = Buffer.alloc(256 * 1024, 'x');
      const tooLarge = await send((request) => {
        for (let sent = 0; sent <= 3 << 20; sent += chunk.length) request.write(chunk);
        request.end();
      });
      expect([tooLarge.status, JSON.parse(tooLarge.text).code]).toEqual([413, 'payload_too_large']);
      const small = await send((request) => request.end('x'));
      expect(small.status).toBe(400);
      expect(sockets.size).toBe(1);
      agent.destroy();

      const before = await storedCount();
      const cut = httpRequest(`${bridge.url}/v1/webhooks/meta/${deployment.id}`, {
        method: 'POST',
        headers: { 'content-length': '1000', 'x-hub-signature-256': metaSignature('x', secrets.app_secret) },
      });
      cut.on('error', () => {});
      // Gone once its first bytes are on their way: whenever the bridge reads them, the rest never comes.
      await new Promise((resolve) => cut.write('{"object":', resolve));
      cut.destroy();
      const after = await post(signed());
      expect(after.status).toBe(200);
      expect(await storedCount()).toBe(before + 1);
    });

    it('counts and times the webhooks it answers in /metrics, under the contract’s route', async () => {
      const count = async (status: number) => {
        const text: string = (await bridge.request('GET', '/metrics', { token: null })).body;
        const line = text
          .split('\n')
          .find((row) =>
            row.startsWith(
              `wabridge_http_requests_total{route="/v1/webhooks/meta/{deployment_id}",method="POST",status="${status}"}`,
            ),
          );
        return Number(line?.split(' ').at(-1) ?? 0);
      };
      const [ok, refused] = [await count(200), await count(401)];
      expect((await post(signed())).status).toBe(200);
      expect((await post(signed(), null)).status).toBe(401);
      expect([await count(200), await count(401)]).toEqual([ok + 1, refused + 1]);
    });
  });

  describe('pywa’s real webhook bodies', () => {
    it('processes every fixture without a failure, once each however often it is delivered', async () => {
      const files = (await readdir(fixturesDirectory)).filter((name) => name.endsWith('.json')).sort();
      let samples = 0;
      for (const file of files) {
        const fixtures = JSON.parse(await readFile(new URL(file, fixturesDirectory), 'utf8')) as Record<string, unknown>;
        for (const sample of Object.values(fixtures)) {
          // The samples are another business's (pywa's): delivered as this deployment's, since a body naming a
          // number outside the receiving deployment's account is refused (foreign_phone_number).
          const payload = metaJson(sample).replace(
            /"phone_number_id":"[^"]*"/g,
            `"phone_number_id":"${deployment.phone_number_id}"`,
          );
          expect((await post(payload)).status, file).toBe(200);
          expect((await post(payload)).status, `${file} again`).toBe(200);
          samples += 1;
        }
      }
      expect(samples).toBeGreaterThan(40);
      await bridge.bridge.processor.drain();
      const failures = await db()
        .selectFrom('webhook_events')
        .select(['id', 'last_error'])
        .where('last_error', 'is not', null)
        .execute();
      expect(failures).toEqual([]);
      const pending = await db().selectFrom('webhook_events').select('id').where('processed_at', 'is', null).execute();
      expect(pending).toEqual([]);

      // The text message: a contact keyed by phone and linked to its business-scoped id, its window from Meta's timestamp.
      const contact = await db().selectFrom('contacts').selectAll().where('wa_id', '=', '972987654321').executeTakeFirstOrThrow();
      // Later fixtures name the same person differently ("User A"): the name last seen is kept.
      expect(contact).toMatchObject({
        user_id: 'US.13491208655302741918',
        profile_name: expect.any(String),
        deployment_id: deployment.id,
      });
      // Fixtures of several types reuse one wamid: it is stored once, from whichever arrived first.
      const messages = await db().selectFrom('inbound_messages').selectAll().where('wamid', '=', 'wamid.xyzxyz').execute();
      expect(messages).toHaveLength(1);
      expect(messages[0]?.contact_id).toBe(contact.id);
      // Its window opened long ago (fixture timestamps: 2023 to 2025). +972 98… is not an assigned Israeli range, yet
      // WhatsApp delivered it: the status endpoint answers for it (issue #15), with the window closed.
      expect(contact.last_inbound_at!.getTime()).toBeLessThan(Date.now() - 24 * hourMs);
      const status = await contactStatus('+972987654321');
      expect(status.status, JSON.stringify(status.body)).toBe(200);
      expect(status.body.window.state).toBe('closed');
      expect(status.body.last_inbound_at).toBe(contact.last_inbound_at!.toISOString());

      // Statuses: one row per status, and the furthest wins.
      const statuses = await db().selectFrom('message_statuses').select('status').where('wamid', '=', 'wamid.xyzxyz').execute();
      expect(furthestStatus(statuses.map((row) => row.status))).toBe('played');
      const failed = await db()
        .selectFrom('message_statuses')
        .selectAll()
        .where('status', '=', 'failed')
        .executeTakeFirstOrThrow();
      expect(failed.errors).toEqual([expect.objectContaining({ code: expect.any(Number), title: expect.any(String) })]);

      // Everything else is kept as deployment events; marketing preferences also update the contact.
      const kinds = await db().selectFrom('deployment_events').select('kind').distinct().execute();
      expect(kinds.map((row) => row.kind).sort()).toEqual(
        expect.arrayContaining(['account_update', 'template_category', 'template_quality', 'template_status', 'user_preference']),
      );
    });
  });

  describe('windows and contacts', () => {
    it('opens a 24-hour window from Meta’s timestamp of the latest customer message, whatever the arrival order', async () => {
      const waId = '819022220000';
      const latest = new Date(Math.floor((Date.now() - 2 * hourMs) / 1000) * 1000);
      const earlier = new Date(latest.getTime() - 5 * hourMs);
      expect((await contactStatus(`+${waId}`)).body.window).toMatchObject({ state: 'closed', kind: null });
      await deliver(inboundText(deployment.phone_number_id, { waId, id: 'wamid.window-2', at: latest }));
      await deliver(inboundText(deployment.phone_number_id, { waId, id: 'wamid.window-1', at: earlier }));
      const status = await contactStatus(`+${waId}`);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({
        contact: { phone: `+${waId}`, wa_id: waId, name: 'Hanako Yamada' },
        window: {
          state: 'open',
          kind: 'customer_service',
          opened_at: latest.toISOString(),
          expires_at: new Date(latest.getTime() + 24 * hourMs).toISOString(),
          free_until: null,
        },
        last_inbound_at: latest.toISOString(),
      });
      const messages = await db()
        .selectFrom('inbound_messages')
        .select('wamid')
        .where('wamid', 'like', 'wamid.window-%')
        .execute();
      expect(messages).toHaveLength(2);
    });

    it('starts a free entry point when the business answers a click-to-WhatsApp message within 24 hours', async () => {
      const waId = '819033330000';
      const adMessageAt = new Date(Math.floor((Date.now() - 3 * hourMs) / 1000) * 1000);
      const referral = {
        source_url: 'https://fb.me/3cr4Wqqkv',
        source_id: '120201234567890',
        source_type: 'ad',
        headline: '冬のセール',
        body: 'Tap to chat',
        media_type: 'image',
        ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ',
      };
      await deliver(inboundText(deployment.phone_number_id, { waId, id: 'wamid.ad-1', at: adMessageAt, referral }));
      const offered = await contactStatus(`+${waId}`);
      expect(offered.body.window.free_entry_point_offer_expires_at).toBe(
        new Date(adMessageAt.getTime() + 24 * hourMs).toISOString(),
      );
      const repliedAt = new Date(adMessageAt.getTime() + hourMs);
      await deliver(statusUpdate(deployment.phone_number_id, [{ id: 'wamid.reply-1', status: 'sent', at: repliedAt, waId }]));
      const status = await contactStatus(`+${waId}`);
      expect(status.body.window).toMatchObject({
        state: 'open',
        kind: 'free_entry_point',
        free_until: new Date(repliedAt.getTime() + 72 * hourMs).toISOString(),
        free_entry_point_offer_expires_at: null,
      });
      const stored = await db()
        .selectFrom('inbound_messages')
        .select('referral')
        .where('wamid', '=', 'wamid.ad-1')
        .executeTakeFirstOrThrow();
      expect(stored.referral).toMatchObject({ ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ', headline: '冬のセール' });
    });

    it('keys contacts by phone or business-scoped id and links the two when both appear', async () => {
      const at = new Date(Math.floor(Date.now() / 1000) * 1000 - hourMs);
      await deliver(inboundText(deployment.phone_number_id, { userId: 'US.777', id: 'wamid.user-only', at, name: 'usernamed' }));
      await deliver(inboundText(deployment.phone_number_id, { waId: '819044440000', id: 'wamid.phone-only', at }));
      await deliver(inboundText(deployment.phone_number_id, { waId: '819044440000', userId: 'US.777', id: 'wamid.both', at }));
      const contacts = await db()
        .selectFrom('contacts')
        .selectAll()
        .where((eb) => eb.or([eb('wa_id', '=', '819044440000'), eb('user_id', '=', 'US.777')]))
        .execute();
      expect(contacts).toHaveLength(1);
      const messages = await db()
        .selectFrom('inbound_messages')
        .select('contact_id')
        .where('wamid', 'in', ['wamid.user-only', 'wamid.phone-only', 'wamid.both'])
        .execute();
      expect(new Set(messages.map((row) => row.contact_id))).toEqual(new Set([contacts[0]?.id]));
    });

    it('confines the status to the installation’s deployment and validates the phone', async () => {
      const other = await contactStatus('+819022220000', otherInstallationToken);
      expect(other.body.window.state).toBe('closed');
      expect(other.body.contact.wa_id).toBeNull();
      const admin = await bridge.request('GET', `/v1/contacts/${encodeURIComponent('+819022220000')}/status`);
      expect(admin.status).toBe(403);
      expect(admin.body.code).toBe('installation_required');
      const invalid = await contactStatus('0901234');
      expect(invalid.status).toBe(422);
      expect(invalid.body.errors[0]).toMatchObject({ path: 'path.phone', code: 'invalid_phone_number' });
    });
  });

  describe('statuses', () => {
    it('stores each status once and only moves forward, whatever the order and repeats', async () => {
      const waId = '819055550000';
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const update = (status: string) => statusUpdate(deployment.phone_number_id, [{ id: 'wamid.forward', status, at, waId }]);
      await deliver(update('read'));
      await deliver(update('delivered'));
      await deliver(
        statusUpdate(deployment.phone_number_id, [
          { id: 'wamid.forward', status: 'sent', at, waId },
          { id: 'wamid.forward', status: 'read', at, waId },
        ]),
      );
      const statuses = await db().selectFrom('message_statuses').select('status').where('wamid', '=', 'wamid.forward').execute();
      expect(statuses.map((row) => row.status).sort()).toEqual(['delivered', 'read', 'sent']);
      expect(furthestStatus(statuses.map((row) => row.status))).toBe('read');
    });
  });

  describe('routing one body to the deployments of its numbers', () => {
    it('records the events of two numbers of one account that arrive in one body, each with its deployment', async () => {
      // Meta calls one URL per app: a second number of the same account and app secret gets its events in our body.
      const accountId = (await bridge.request('GET', `/v1/deployments/${deployment.id}`)).body.account_id;
      const sibling = (await bridge.createDeployment(accountId, { app_secret: secrets.app_secret })).answer.body as {
        id: string;
        phone_number_id: string;
      };
      const at = String(Math.floor(Date.now() / 1000));
      const metadata = (phoneNumberId: string) => ({ display_phone_number: '81345100000', phone_number_id: phoneNumberId });
      const preference = (phoneNumberId: string, waId: string) => ({
        field: 'user_preferences',
        value: {
          messaging_product: 'whatsapp',
          metadata: metadata(phoneNumberId),
          user_preferences: [
            {
              wa_id: waId,
              category: 'marketing_messages',
              value: 'stop',
              detail: 'User requested to stop',
              timestamp: Number(at),
            },
          ],
        },
      });
      const systemError = (phoneNumberId: string) => ({
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: metadata(phoneNumberId),
          errors: [{ code: 131000, title: 'Something went wrong' }],
        },
      });
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              preference(deployment.phone_number_id, '819055551111'),
              systemError(deployment.phone_number_id),
              preference(sibling.phone_number_id, '819055552222'),
              systemError(sibling.phone_number_id),
            ],
          },
        ],
      };

      await deliver(body);

      const stored = await db()
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirstOrThrow();
      const recorded = await db()
        .selectFrom('deployment_events')
        .select(['deployment_id', 'kind', 'position'])
        .where('webhook_event_id', '=', Number(stored.id))
        .orderBy('position')
        .execute();
      expect(recorded).toEqual([
        { deployment_id: deployment.id, kind: 'user_preference', position: 0 },
        { deployment_id: deployment.id, kind: 'webhook_error', position: 1 },
        { deployment_id: sibling.id, kind: 'user_preference', position: 2 },
        { deployment_id: sibling.id, kind: 'webhook_error', position: 3 },
      ]);
    });
  });
});

describe.each(backends)('webhook durability on $name', (backend) => {
  it('applies the webhooks of a batch when one of them fails, and records only that one as failed', async () => {
    const bridge = await startTestBridge(backend);
    try {
      const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Batches' } });
      const deployment = (await bridge.createDeployment(account.body.id)).answer.body;
      await bridge.bridge.processor.stop();
      const db = bridge.bridge.database.db;
      const bodies = [0, 1, 2, 3, 4].map((index) =>
        index === 2
          ? // Stored, but no longer a notification the parser accepts (as if the parser had changed since).
            JSON.stringify({ object: 'whatsapp_business_account', entry: 'not a list' })
          : metaJson(
              inboundText(deployment.phone_number_id, {
                waId: `81907777000${index}`,
                id: `wamid.batch${index}`,
                at: new Date(Date.now() - hourMs),
              }),
            ),
      );
      for (const body of bodies) {
        await db
          .insertInto('webhook_events')
          .values({
            deployment_id: deployment.id,
            body: Buffer.from(body),
            body_sha256: createHash('sha256').update(body).digest('hex'),
          })
          .execute();
      }
      expect(await bridge.bridge.processor.processBatch()).toBe('failed');
      const rows = await db.selectFrom('webhook_events').selectAll().orderBy('id').execute();
      expect(rows.map((row) => row.processed_at !== null)).toEqual([true, true, false, true, true]);
      expect(rows[2]).toMatchObject({ attempts: 1, last_error: expect.stringContaining('no longer parses') });
      expect(rows[2]!.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
      const contacts = await db.selectFrom('contacts').select('wa_id').orderBy('wa_id').execute();
      expect(contacts.map((contact) => contact.wa_id)).toEqual(['819077770000', '819077770001', '819077770003', '819077770004']);
      // A whole batch that succeeds is one transaction: nothing is left due.
      expect(await bridge.bridge.processor.processBatch()).toBe('idle');
    } finally {
      await bridge.close();
    }
  });

  it('refuses webhooks with 503 and Retry-After once the backlog passes WEBHOOK_BACKLOG_MAX, and takes them again once applied', async () => {
    const bridge = await startTestBridge(backend, { WEBHOOK_BACKLOG_MAX: '3' });
    try {
      const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Backlog' } });
      const { answer, request } = await bridge.createDeployment(account.body.id);
      const deployment = answer.body;
      await bridge.bridge.processor.stop();
      const body = (index: number) =>
        metaJson(
          inboundText(deployment.phone_number_id, {
            waId: `81907766000${index}`,
            id: `wamid.backlog${index}`,
            at: new Date(Date.now() - hourMs),
          }),
        );
      const post = async (index: number) => {
        const response = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': metaSignature(body(index), request.app_secret as string),
          },
          body: body(index),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
      };
      // The processor is stopped: three webhooks wait, at the bound; the count is taken again after 250 ms.
      for (const index of [0, 1, 2, 3]) {
        expect((await post(index)).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const refused = await post(4);
      expect(refused).toMatchObject({ status: 503, retryAfter: '10' });
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'webhook_backlog_full', retry_after_seconds: 10 });
      const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
      expect(metrics).toMatch(/^wabridge_webhooks_backlog_refused_total 1$/m);
      // Applied, the backlog is empty again: Meta's next delivery of the refused webhook is taken.
      await bridge.bridge.processor.drain();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await post(4)).status).toBe(200);
      await bridge.bridge.processor.drain();
      const messages = await bridge.bridge.database.db.selectFrom('inbound_messages').select('wamid').orderBy('wamid').execute();
      expect(messages.map((message) => message.wamid)).toEqual([0, 1, 2, 3, 4].map((index) => `wamid.backlog${index}`));
    } finally {
      await bridge.close();
    }
  });

  it.runIf(backend.name === 'postgres')(
    'splits the roles: a process with WEBHOOK_PROCESSOR=off only takes webhooks in, another applies them',
    async () => {
      const database = await backend.create({ persistent: true });
      const ingest = await startTestBridge(backend, { WEBHOOK_PROCESSOR: 'off' }, { database });
      const apply = await startTestBridge(
        backend,
        { WEBHOOK_POLL_INTERVAL_MS: '20' },
        { database, adminToken: ingest.adminToken, encryptionKey: ingest.config.encryptionKey },
      );
      try {
        // The applying process is stopped while the webhook comes in, to see that the ingesting one applies nothing.
        await apply.bridge.processor.stop();
        const account = await ingest.request('POST', '/v1/accounts', { json: { name: 'Roles' } });
        const { answer, request } = await ingest.createDeployment(account.body.id);
        const deployment = answer.body;
        const body = metaJson(
          inboundText(deployment.phone_number_id, { waId: '819066550000', id: 'wamid.roles', at: new Date(Date.now() - hourMs) }),
        );
        const response = await fetch(`${ingest.url}/v1/webhooks/meta/${deployment.id}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': metaSignature(body, request.app_secret as string),
          },
          body,
        });
        expect(response.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const db = ingest.bridge.database.db;
        expect((await db.selectFrom('webhook_events').select('processed_at').executeTakeFirstOrThrow()).processed_at).toBeNull();
        // The applying process finds it by polling (nobody in its process woke it), within its 20 ms interval.
        apply.bridge.processor.start();
        await waitFor('the other process to apply the webhook', async () => {
          const row = await db.selectFrom('webhook_events').select('processed_at').executeTakeFirst();
          return row?.processed_at != null;
        });
        expect((await db.selectFrom('inbound_messages').select('wamid').execute()).map((row) => row.wamid)).toEqual([
          'wamid.roles',
        ]);
      } finally {
        await apply.close({ keepDatabase: true });
        await ingest.close();
      }
    },
  );

  it('stores a webhook before answering and processes it after a restart', async () => {
    const database = await backend.create({ persistent: true });
    const first = await startTestBridge(backend, {}, { database });
    const account = await first.request('POST', '/v1/accounts', { json: { name: 'Durable' } });
    const created = await first.createDeployment(account.body.id);
    const { request } = created;
    const deployment = created.answer.body;
    // The processor is stopped, as if the process died right after answering Meta.
    await first.bridge.processor.stop();
    const body = metaJson(
      inboundText(deployment.phone_number_id, { waId: '819066660000', id: 'wamid.durable', at: new Date(Date.now() - hourMs) }),
    );
    const answer = await fetch(`${first.url}/v1/webhooks/meta/${deployment.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, request.app_secret as string) },
      body,
    });
    expect(answer.status).toBe(200);
    if (backend.name === 'postgres') {
      const stored = await first.bridge.database.db.selectFrom('webhook_events').selectAll().execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]?.processed_at).toBeNull();
      expect(Buffer.from(stored[0]?.body ?? []).toString('utf8')).toBe(body);
    } else {
      // On-disk PGlite acknowledges from its journal, byte for byte; the database gets it between requests.
      const journal = join(database.dataDir, 'wabridge-webhook-journal');
      const [segment] = await readdir(journal);
      expect(
        decodeSegment(await readFile(join(journal, segment as string))).records.map((record) => record.body.toString('utf8')),
      ).toEqual([body]);
      expect(await first.bridge.database.db.selectFrom('webhook_events').selectAll().execute()).toEqual([]);
    }
    await first.close({ keepDatabase: true });

    const second = await startTestBridge(
      backend,
      {},
      { database, adminToken: first.adminToken, encryptionKey: first.config.encryptionKey },
    );
    try {
      await waitFor('the stored webhook to be processed after the restart', async () => {
        const row = await second.bridge.database.db.selectFrom('webhook_events').select('processed_at').executeTakeFirst();
        return row?.processed_at != null;
      });
      const contact = await second.bridge.database.db.selectFrom('contacts').selectAll().executeTakeFirst();
      expect(contact?.wa_id).toBe('819066660000');
    } finally {
      await second.close();
    }
  });
});
