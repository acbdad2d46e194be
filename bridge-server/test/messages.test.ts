import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, sandboxControl, settle as settleWorld, withKnobs } from '../../test/support/sandbox.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../src/meta-sandbox/sandbox.js';
import { backends } from './support/backends.js';
import { deploymentRequest, registerWithMeta, startTestBridge, type TestBridge } from './support/bridge.js';

const customer = '+819012340000';

/** Templates and the send pipeline against the Meta sandbox, over HTTP on both sides. */
describe.each(backends)('templates and sending on $name', (backend) => {
  let sandbox: MetaSandbox;
  let sandboxServer: ListeningSandbox;
  let bridge: TestBridge;
  let deployment: { id: string; phone_number_id: string; waba_id: string };
  let token: string;
  let otherToken: string;
  /** How far the sandbox's clock is ahead of the real one: throughput is counted on it, so tests move it instead of sleeping. */
  let sandboxAheadMs = 0;

  beforeAll(async () => {
    sandbox = createMetaSandbox({
      knobs: { statusDelaysMs: { sent: 5, delivered: 10, read: 15 } },
      now: () => Date.now() + sandboxAheadMs,
    });
    sandboxServer = await sandbox.listen(0);
    bridge = await startTestBridge(backend, {
      META_GRAPH_URL: sandboxServer.url,
      META_TIMEOUT_MS: '400',
      // One attempt per call: a refusal for throughput ends the call at once instead of after backoffs.
      META_ATTEMPTS_MAX: '1',
      TEMPLATE_SYNC_PAGE_SIZE: '7',
    });
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Sender' } });
    const request = deploymentRequest(account.body.id);
    registerWithMeta(sandbox, request);
    deployment = (await bridge.request('POST', '/v1/deployments', { json: request })).body;
    token = (
      await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'sender.zendesk.com' },
      })
    ).body.token;
    const other = await bridge.request('POST', '/v1/accounts', { json: { name: 'Other' } });
    const otherDeployment = (await bridge.createDeployment(other.body.id, {}, { sandbox })).answer.body;
    otherToken = (
      await bridge.request('POST', `/v1/deployments/${otherDeployment.id}/installations`, {
        json: { helpdesk: 'zoho', instance: '60011112222' },
      })
    ).body.token;
    sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-1234-0000',
      verified_name: 'Sender',
      access_token: request.access_token as string,
      app_secret: request.app_secret as string,
      webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}`,
    });
    // Templates go only to customers who opted in to their topic.
    for (const topic of ['utility', 'marketing']) {
      const consent = await bridge.request('POST', `/v1/contacts/${encodeURIComponent(customer)}/consents`, {
        token,
        json: {
          topic,
          state: 'opted_in',
          source: 'checkout',
          evidence: 'I agree to receive order updates from Acme Support on WhatsApp.',
          occurred_at: new Date(Date.now() - 60_000).toISOString(),
        },
      });
      expect(consent.status).toBe(201);
    }
  });
  afterAll(async () => {
    await sandboxServer?.close();
    await bridge?.close();
  });

  const settle = () => settleWorld(sandbox, bridge.bridge);
  const control = (method: string, path: string, body?: unknown) => sandboxControl(sandboxServer.url, method, path, body);
  const withNumberKnobs = <T>(knobs: Record<string, unknown>, act: () => Promise<T>) =>
    withKnobs(sandboxServer.url, deployment.phone_number_id, knobs, act);

  async function sandboxMessages(): Promise<Json[]> {
    const answer = await control('GET', `/sandbox/messages?phone_number_id=${deployment.phone_number_id}`);
    return Array.isArray(answer) ? answer : answer.data;
  }

  const send = (json: unknown, key: string = randomUUID()) =>
    bridge.request('POST', '/v1/messages', { token, json, headers: { 'idempotency-key': key } });

  async function syncTemplates() {
    const started = await bridge.request('POST', '/v1/templates/sync', { token });
    expect(started.status).toBe(202);
    await settle();
    return (await bridge.request('GET', `/v1/templates/syncs/${started.body.id}`, { token })).body;
  }

  describe('templates', () => {
    it('syncs every page of the WABA’s templates and lists the approved ones with their parameters', async () => {
      const sync = await syncTemplates();
      const seeded = (await control('GET', `/sandbox/wabas/${deployment.waba_id}/templates`)) as Json;
      const seededTemplates: Json[] = Array.isArray(seeded) ? seeded : seeded.data;
      expect(sync).toMatchObject({ state: 'succeeded', templates_seen: seededTemplates.length, error: null });
      expect(sync.pages_fetched).toBe(Math.ceil(seededTemplates.length / 7));

      const approved = await bridge.request('GET', '/v1/templates', { token });
      expect(approved.status).toBe(200);
      const approvedCount = seededTemplates.filter((template) => template.status === 'APPROVED').length;
      expect(approved.body.data).toHaveLength(approvedCount);
      expect(approved.body.data.every((template: Json) => template.status === 'APPROVED')).toBe(true);
      const confirmation = approved.body.data.find(
        (template: Json) => template.name === 'order_confirmation' && template.language === 'ja',
      );
      expect(confirmation.parameters.map((parameter: Json) => parameter.key)).toEqual(['body.1', 'body.2', 'body.3']);

      const others = await bridge.request('GET', '/v1/templates?status=PAUSED,DISABLED,REJECTED,PENDING', { token });
      expect(others.body.data.map((template: Json) => template.status).sort()).toEqual(
        seededTemplates
          .filter((template) => template.status !== 'APPROVED')
          .map((template) => template.status)
          .sort(),
      );
      const japanese = await bridge.request('GET', '/v1/templates?language=ja&category=UTILITY', { token });
      expect(japanese.body.data.length).toBeGreaterThan(0);
      expect(japanese.body.data.every((template: Json) => template.language === 'ja' && template.category === 'UTILITY')).toBe(
        true,
      );
      const searched = await bridge.request('GET', `/v1/templates?q=${encodeURIComponent('ご注文')}`, { token });
      expect(searched.body.data.map((template: Json) => template.name)).toContain('order_confirmation');
      expect((await bridge.request('GET', '/v1/templates?status=approved', { token })).status).toBe(422);
      expect((await bridge.request('GET', '/v1/templates', { token: otherToken })).body.data).toEqual([]);
    });

    it('reflects Meta’s pause and re-categorisation webhooks at once, and a template that disappears', async () => {
      await control('POST', `/sandbox/wabas/${deployment.waba_id}/template-status`, {
        name: 'payment_received',
        language: 'en',
        event: 'PAUSED',
        reason: 'LOW_QUALITY',
      });
      await control('POST', `/sandbox/wabas/${deployment.waba_id}/template-category`, {
        name: 'order_confirmation',
        language: 'en_US',
        new_category: 'MARKETING',
      });
      await settle();
      const all = (await bridge.request('GET', '/v1/templates?status=APPROVED,PAUSED', { token })).body.data;
      expect(all.find((template: Json) => template.name === 'payment_received')).toMatchObject({ status: 'PAUSED' });
      expect(all.find((template: Json) => template.name === 'order_confirmation' && template.language === 'en_US')).toMatchObject(
        {
          category: 'MARKETING',
          previous_category: 'UTILITY',
        },
      );

      const templates = [...sandbox.state.templates.get(deployment.waba_id)!];
      sandbox.state.templates.set(
        deployment.waba_id,
        templates.filter((template) => template.name !== 'support_hours_notice'),
      );
      // Syncs asked for within a minute of the last one join it (Meta's rate limit): age the last one.
      await bridge.bridge.database.db
        .updateTable('template_syncs')
        .set({ finished_at: new Date(Date.now() - 120_000) })
        .where('deployment_id', '=', deployment.id)
        .execute();
      const sync = await syncTemplates();
      expect(sync.state).toBe('succeeded');
      const names = (await bridge.request('GET', '/v1/templates', { token })).body.data.map((template: Json) => template.name);
      expect(names).not.toContain('support_hours_notice');
      sandbox.state.templates.set(deployment.waba_id, templates);
    });
  });

  describe('sending', () => {
    it('refuses a free-form reply outside the window before calling Meta', async () => {
      const before = (await sandboxMessages()).length;
      const answer = await send({ to: customer, text: { body: 'Hello?' } });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ code: 'window_closed', window: { state: 'closed' } });
      expect((await sandboxMessages()).length).toBe(before);
    });

    it('sends a free-form reply inside the window and follows it to read', async () => {
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
        from: customer.slice(1),
        text: '返品できますか？',
      });
      await settle();
      const answer = await send({
        to: customer,
        text: { body: 'はい、30日以内なら返品できます。' },
        ticket: { helpdesk: 'zendesk', id: '4242' },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({
        state: 'accepted',
        kind: 'text',
        to: customer,
        wamid: expect.stringMatching(/^wamid\./),
      });
      await settle();
      const message = await bridge.request('GET', `/v1/messages/${answer.body.id}`, { token });
      expect(message.body.status).toBe('read');
      expect(message.body.timeline.map((entry: Json) => entry.status)).toEqual(['sent', 'delivered', 'read']);
      const ticket = await bridge.request('GET', '/v1/messages?ticket_helpdesk=zendesk&ticket_id=4242', { token });
      expect(ticket.body.data.map((entry: Json) => entry.id)).toEqual([answer.body.id]);
      expect((await bridge.request('GET', `/v1/messages/${answer.body.id}`, { token: otherToken })).status).toBe(404);
    });

    it('moves a send a dead process left unanswered to outcome_unknown once the lease is over, never a younger one', async () => {
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
        from: customer.slice(1),
        text: 'まだですか？',
      });
      await settle();
      const old = await send({ to: customer, text: { body: 'Checking now.' } });
      const young = await send({ to: customer, text: { body: 'Still checking.' } });
      expect([old.status, young.status]).toEqual([202, 202]);
      // Their status webhooks first: one carrying our id would settle a stale send (as it should), racing this test.
      await settle();
      const db = bridge.bridge.database.db;
      // As a process killed between recording a message and Meta's answer leaves it, 10 minutes ago and just now.
      for (const [id, ageMs] of [
        [old.body.id, 10 * 60_000],
        [young.body.id, 0],
      ] as const) {
        // created_at is not writable through the schema's types (the bridge never rewrites it): plain SQL.
        await sql`update messages set state = 'sending', wamid = null, created_at = ${new Date(Date.now() - ageMs)}
          where id = ${id}`.execute(db);
      }
      const sentBefore = (await sandboxMessages()).length;
      expect(await bridge.bridge.staleSends.sweep()).toEqual([old.body.id]);
      expect((await bridge.request('GET', `/v1/messages/${old.body.id}`, { token })).body.state).toBe('outcome_unknown');
      expect((await bridge.request('GET', `/v1/messages/${young.body.id}`, { token })).body.state).toBe('sending');
      expect(await bridge.bridge.staleSends.sweep()).toEqual([]);
      // Nothing is sent again.
      await settle();
      expect((await sandboxMessages()).length).toBe(sentBefore);
      await db
        .updateTable('messages')
        .set({ state: 'accepted', wamid: young.body.wamid })
        .where('id', '=', young.body.id)
        .execute();
    });

    it('sends a template with its values, rendered as Meta expects', async () => {
      await syncTemplates();
      const answer = await send({
        to: customer,
        template: {
          name: 'order_confirmation',
          language: 'ja',
          parameters: { 'body.1': '山田', 'body.2': 'ORD-777', 'body.3': '12月1日' },
        },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({
        state: 'accepted',
        kind: 'template',
        template: { name: 'order_confirmation', language: 'ja' },
      });
      await settle();
      expect((await bridge.request('GET', `/v1/messages/${answer.body.id}`, { token })).body.status).toBe('read');
    });

    it('refuses unknown, unapproved and badly filled templates before calling Meta', async () => {
      const before = (await sandboxMessages()).length;
      const unknown = await send({ to: customer, template: { name: 'no_such_template', language: 'ja' } });
      expect(unknown.body).toMatchObject({ code: 'template_not_found', template: { name: 'no_such_template' } });
      const paused = await send({
        to: customer,
        template: { name: 'winter_promo', language: 'en_US', parameters: { 'body.1': '30%' } },
      });
      expect(paused.body).toMatchObject({ code: 'template_not_approved', template: { status: 'PAUSED' } });
      const missing = await send({
        to: customer,
        template: { name: 'order_confirmation', language: 'ja', parameters: { 'body.1': '山田' } },
      });
      expect(missing.status).toBe(422);
      expect(missing.body.code).toBe('invalid_template_parameters');
      expect(missing.body.errors.map((error: Json) => error.path)).toEqual([
        'body.template.parameters.body.2',
        'body.template.parameters.body.3',
      ]);
      expect((await sandboxMessages()).length).toBe(before);
      const both = await send({ to: customer, text: { body: 'x' }, template: { name: 'a', language: 'ja' } });
      expect(both.body.errors[0].code).toBe('one_content_required');
      const noKey = await bridge.request('POST', '/v1/messages', { token, json: { to: customer, text: { body: 'x' } } });
      expect(noKey.status).toBe(422);
      expect(noKey.body.errors[0].path).toBe('headers.idempotency-key');
    });

    it('records Meta’s refusal on the message, in the same place as later failures', async () => {
      // The bridge's copy says approved; Meta has since removed the template: Meta answers 132001.
      const templates = [...sandbox.state.templates.get(deployment.waba_id)!];
      sandbox.state.templates.set(
        deployment.waba_id,
        templates.filter((template) => !(template.name === 'order_confirmation' && template.language === 'ja')),
      );
      const answer = await send({
        to: customer,
        template: { name: 'order_confirmation', language: 'ja', parameters: { 'body.1': 'a', 'body.2': 'b', 'body.3': 'c' } },
      });
      sandbox.state.templates.set(deployment.waba_id, templates);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        code: 'meta_rejected',
        meta_code: 132001,
        message: { state: 'failed', error: { code: 132001 } },
      });
      const stored = await bridge.request('GET', `/v1/messages/${answer.body.message.id}`, { token });
      expect(stored.body).toMatchObject({
        state: 'failed',
        status: 'failed',
        error: { code: 132001, reason: expect.any(String) },
      });
    });

    it('ends Meta’s window, parameter and throughput refusals as clear errors', async () => {
      // The bridge saw the customer write (a webhook straight to the bridge); Meta's own window is closed: 131047.
      const stranger = '+819012349999';
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: deployment.waba_id,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '81312340000', phone_number_id: deployment.phone_number_id },
                  contacts: [{ profile: { name: 'Stranger' }, wa_id: stranger.slice(1) }],
                  messages: [
                    {
                      from: stranger.slice(1),
                      id: 'wamid.stranger',
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      type: 'text',
                      text: { body: 'hi' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const { createHmac } = await import('node:crypto');
      const appSecret = sandbox.state.numbers.get(deployment.phone_number_id)!.appSecret;
      const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
      const delivered = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      });
      expect(delivered.status).toBe(200);
      await settle();
      const closed = await send({ to: stranger, text: { body: 'Hello!' } });
      expect(closed.status).toBe(422);
      expect(closed.body).toMatchObject({
        code: 'meta_rejected',
        meta_code: 131047,
        message: { state: 'failed', error: { code: 131047 } },
      });

      // Meta's copy of the template now takes a fourth value the bridge's copy does not know: 132000.
      const templates = sandbox.state.templates.get(deployment.waba_id)!;
      const confirmation = templates.find((template) => template.name === 'order_confirmation' && template.language === 'ja')!;
      const originalComponents = confirmation.components;
      confirmation.components = originalComponents.map((component) =>
        component.type === 'BODY' ? { ...component, text: `${String(component.text)} {{4}}` } : component,
      );
      const mismatch = await send({
        to: customer,
        template: { name: 'order_confirmation', language: 'ja', parameters: { 'body.1': 'a', 'body.2': 'b', 'body.3': 'c' } },
      });
      confirmation.components = originalComponents;
      expect(mismatch.body).toMatchObject({ code: 'meta_rejected', meta_code: 132000 });

      // Throughput: one message a second, two at once. The refused one frees its key: the same key may retry.
      // The sandbox's second passes by moving its clock (the refused sends above count too: their second passes first).
      await withNumberKnobs({ throughputMessagesPerSecond: 1 }, async () => {
        sandboxAheadMs += 1_100;
        const keys = [randomUUID(), randomUUID()];
        const burst = await Promise.all(keys.map((key, index) => send({ to: customer, text: { body: `Burst ${index}` } }, key)));
        const refused = burst.findIndex((answer) => answer.status === 503);
        expect(burst.map((answer) => answer.status).sort()).toEqual([202, 503]);
        expect(burst[refused]?.body).toMatchObject({ code: 'meta_unavailable', meta_code: 130429 });
        sandboxAheadMs += 1_100;
        const retried = await send({ to: customer, text: { body: `Burst ${refused}` } }, keys[refused]);
        expect(retried.status).toBe(202);
      });
    });

    it('never sends twice when Meta accepts a message and the answer is lost; the status webhook settles it', async () => {
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
        from: customer.slice(1),
        text: 'まだですか？',
      });
      await settle();
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/send-fault`, { mode: 'hang', count: 1 });
      // Statuses come after the bridge gave up waiting (400 ms), as when Meta's answer is lost for good.
      await withNumberKnobs({ statusDelaysMs: { sent: 800, delivered: 810, read: 820 } }, async () => {
        const before = (await sandboxMessages()).length;
        const answer = await send({ to: customer, text: { body: 'Your parcel is on its way.' } });
        expect(answer.status).toBe(202);
        expect(answer.body).toMatchObject({ state: 'outcome_unknown', wamid: null });
        await settle();
        const settled = await bridge.request('GET', `/v1/messages/${answer.body.id}`, { token });
        expect(settled.body).toMatchObject({ state: 'accepted', wamid: expect.stringMatching(/^wamid\./), status: 'read' });
        expect((await sandboxMessages()).length).toBe(before + 1);
      });
    });

    it('sends once for ten concurrent requests with one Idempotency-Key, and replays the answer', async () => {
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
        from: customer.slice(1),
        text: 'もしもし',
      });
      await settle();
      const key = randomUUID();
      const body = { to: customer, text: { body: `Once only ${randomBytes(4).toString('hex')}` } };
      const before = (await sandboxMessages()).length;
      const answers = await Promise.all(Array.from({ length: 10 }, () => send(body, key)));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 202).length).toBeGreaterThanOrEqual(1);
      expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);
      const ids = new Set(answers.filter((answer) => answer.status === 202).map((answer) => answer.body.id));
      expect(ids.size).toBe(1);
      const rows = await bridge.bridge.database.db
        .selectFrom('messages')
        .select('id')
        .where(sql`content::text`, 'like', `%${body.text.body}%`)
        .execute();
      expect(rows).toHaveLength(1);
      expect((await sandboxMessages()).length).toBe(before + 1);

      const replay = await send(body, key);
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe([...ids][0]);
      const reused = await send({ ...body, text: { body: 'Something else' } }, key);
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('idempotency_key_reused');
    });

    it("completes the Idempotency-Key in the transaction that records Meta's acceptance: one commit, the same answer", async () => {
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, { from: customer.slice(1), text: 'はい' });
      await settle();
      const key = randomUUID();
      const answer = await send({ to: customer, text: { body: `One commit ${randomBytes(4).toString('hex')}` } }, key);
      expect(answer.status).toBe(202);
      // xmin: the transaction that last wrote the key's row; accepted_xid: the one that recorded the acceptance.
      const row = await sql<{ same: boolean; response_body: unknown }>`
        select (k.xmin::text::bigint = (m.accepted_xid::text::bigint % 4294967296)) as same, k.response_body
        from idempotency_keys k, messages m
        where k.key = ${key} and m.id = ${answer.body.id}`.execute(bridge.bridge.database.db);
      expect(row.rows[0]?.same).toBe(true);
      expect(row.rows[0]?.response_body).toMatchObject({ id: answer.body.id, state: 'accepted' });
    });
  });
});
