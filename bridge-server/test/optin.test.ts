import type { Routes } from '@wabridge/shared';
import type { CallInput } from '@wabridge/shared/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { clientOf, refusal } from './support/client.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate } from './support/wallet.js';

/** A consent as `POST /v1/contacts/{phone}/consents` takes it. */
type ConsentBody = NonNullable<CallInput<Routes['recordConsent']>['body']>;

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

describe.each(backends)('opt-in registry on $name', (backend) => {
  let world: SandboxBridge;
  const consents = (phone: string) => `/v1/contacts/${encodeURIComponent(phone)}/consents`;
  const record = (phone: string, json: unknown) => world.bridge.request('POST', consents(phone), { token: world.token, json });
  const status = async (phone: string) =>
    (await world.bridge.request('GET', `/v1/contacts/${encodeURIComponent(phone)}/status`, { token: world.token })).body;
  /** Meta's timestamps have one-second resolution: opt-ins recorded a minute back, so a STOP right after is later. */
  const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString();
  const sandboxMessageCount = async () => {
    const answer = await world.control('GET', `/sandbox/messages?phone_number_id=${world.deployment.phone_number_id}`);
    return (Array.isArray(answer) ? answer : answer.data).length as number;
  };
  const optIn = (topic: string, occurred_at: string = aMinuteAgo()): ConsentBody => ({
    topic,
    state: 'opted_in',
    source: 'website_form',
    evidence: `I agree to receive ${topic} messages from Sakura Shoes on WhatsApp.`,
    occurred_at,
  });
  const confirmation = (to: string) => ({
    to,
    template: orderConfirmationTemplate,
  });

  /** The Zendesk installation, through the contract's client. */
  const agent = () => clientOf(world.bridge, world.token);

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('has default topics, and takes custom topics with template rules that name known topics only', async () => {
    const defaults = await agent().call('getOptinSettings');
    expect(defaults.topics.map((topic) => topic.id)).toEqual(['marketing', 'utility', 'authentication']);
    expect(defaults.business_names).toEqual(expect.arrayContaining(['Sakura Shoes', 'Sakura Shoes Support']));
    const bad = await refusal(
      agent().call('putOptinSettings', {
        body: {
          topics: [{ id: 'newsletter' }],
          template_rules: [{ match: { template_name: 'summer_sale' }, topic: 'no_such_topic' }],
        },
      }),
    );
    expect(bad).toMatchObject({ status: 422, code: 'validation_failed' });
    const saved = await agent().call('putOptinSettings', {
      body: {
        topics: [{ id: 'order_updates', label: 'Order updates' }, { id: 'newsletter' }],
        template_rules: [{ match: { template_name: 'shipping_update' }, topic: 'order_updates' }],
        business_names: ['さくらシューズ'],
      },
    });
    expect(saved.topics.map((topic) => topic.id)).toEqual(
      expect.arrayContaining(['marketing', 'utility', 'authentication', 'order_updates', 'newsletter']),
    );
    expect(saved.business_names).toContain('さくらシューズ');
  });

  it('records consents append-only, refuses an opt-in that does not name the business, and shows the state per topic', async () => {
    const phone = '+819011112222';
    const recordConsent = (body: ConsentBody, at = phone) => agent().call('recordConsent', { params: { phone: at }, body });
    const refused = await refusal(recordConsent({ ...optIn('utility'), evidence: 'Yes, send me updates.' }));
    expect(refused).toMatchObject({
      status: 422,
      code: 'invalid_consent',
      errors: [{ path: 'body.evidence', code: 'evidence_must_name_business' }],
    });
    expect((await refusal(recordConsent({ ...optIn('utility'), topic: 'unknown_topic' }))).errors?.[0]?.code).toBe(
      'unknown_topic',
    );
    expect((await refusal(recordConsent(optIn('utility', '2999-01-01T00:00:00Z')))).errors?.[0]?.code).toBe('in_the_future');
    expect((await refusal(recordConsent(optIn('utility'), '0901234'))).status).toBe(422);

    const japanese = await recordConsent({
      ...optIn('utility'),
      evidence: 'ＷｈａｔｓＡｐｐでさくらシューズからの通知を受け取ることに同意します',
    });
    expect(japanese).toMatchObject({ phone, topic: 'utility', state: 'opted_in', source: 'website_form' });
    await recordConsent({
      topic: 'marketing',
      state: 'opted_out',
      source: 'agent',
      evidence: 'Customer asked by phone',
      recorded_by: 'agent@sakura',
    });
    const history = await agent().call('listConsents', { params: { phone } });
    expect(history.data.map((entry) => `${entry.topic}:${entry.state}`)).toEqual(['utility:opted_in', 'marketing:opted_out']);
    expect((await agent().call('contactStatus', { params: { phone } })).opt_in).toMatchObject({
      utility: { state: 'opted_in', source: 'website_form' },
      marketing: { state: 'opted_out', source: 'agent' },
      authentication: { state: 'unknown', source: null, at: null },
    });
    await expect(sql`update consents set state = 'opted_in'`.execute(world.bridge.bridge.database.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from consents`.execute(world.bridge.bridge.database.db)).rejects.toThrow(/append-only/);
  });

  it('sends a template only to a customer opted in to its topic, before anything reaches Meta', async () => {
    const phone = '+819022223333';
    const before = await sandboxMessageCount();
    const unknown = await world.send(confirmation(phone));
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({
      code: 'opt_in_required',
      topic: 'utility',
      opt_in_state: 'unknown',
      reason: 'opt_in_required',
    });
    await record(phone, optIn('utility'));
    expect((await world.send(confirmation(phone))).status).toBe(202);
    await record(phone, {
      topic: 'utility',
      state: 'opted_out',
      source: 'sms',
      evidence: 'Replied STOP by SMS',
      occurred_at: new Date().toISOString(),
    });
    const stopped = await world.send(confirmation(phone));
    expect(stopped.body).toMatchObject({ code: 'opt_in_required', opt_in_state: 'opted_out', reason: 'opted_out' });
    expect(await sandboxMessageCount()).toBe(before + 1);
  });

  it('follows Meta re-categorising a template: its topic changes with its category', async () => {
    const phone = '+819033334444';
    await record(phone, optIn('utility'));
    expect((await world.send(confirmation(phone))).status).toBe(202);
    await world.control('POST', `/sandbox/wabas/${world.deployment.waba_id}/template-category`, {
      name: 'order_confirmation',
      language: 'ja',
      new_category: 'MARKETING',
    });
    await world.settle();
    const refused = await world.send(confirmation(phone));
    expect(refused.body).toMatchObject({ code: 'opt_in_required', topic: 'marketing' });
    await world.control('POST', `/sandbox/wabas/${world.deployment.waba_id}/template-category`, {
      name: 'order_confirmation',
      language: 'ja',
      new_category: 'UTILITY',
    });
    await world.settle();
  });

  it('opts out on a whole-message keyword in any width, and not on a sentence that merely contains one', async () => {
    const phone = '+819044445555';
    await record(phone, optIn('utility'));
    await world.customerWrites(phone, "Please don't stop my order");
    expect((await status(phone)).opt_in.utility.state).toBe('opted_in');
    await world.customerWrites(phone, 'ＳＴＯＰ');
    const after = await status(phone);
    expect(after.opt_in).toMatchObject({
      utility: { state: 'opted_out', source: 'whatsapp_conversation' },
      marketing: { state: 'opted_out' },
    });
    const history = (await world.bridge.request('GET', consents(phone), { token: world.token })).body.data;
    expect(history.at(-1)).toMatchObject({ state: 'opted_out', message_ref: expect.stringMatching(/^wamid\./) });
    await world.customerWrites(phone, '配信停止');
    const stops = (await world.bridge.request('GET', consents(phone), { token: world.token })).body.data.filter(
      (entry: Json) => entry.state === 'opted_out',
    );
    expect(stops.length).toBeGreaterThan(5);
    // A free-form reply in the open window needs no opt-in, even after a STOP.
    expect((await world.send({ to: phone, text: { body: '承知しました。配信を停止しました。' } })).status).toBe(202);
  });

  it('opts out of marketing when the customer presses Stop in WhatsApp, and back in on Resume', async () => {
    const phone = '+819055556666';
    await record(phone, optIn('marketing'));
    await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/marketing-preference`, {
      wa_id: phone.slice(1),
      value: 'stop',
    });
    await world.settle();
    expect((await status(phone)).opt_in.marketing).toMatchObject({ state: 'opted_out', source: 'whatsapp_preferences' });
    await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/marketing-preference`, {
      wa_id: phone.slice(1),
      value: 'resume',
    });
    await world.settle();
    expect((await status(phone)).opt_in.marketing).toMatchObject({ state: 'opted_in', source: 'whatsapp_preferences' });
  });

  /** A marketing template, which Meta refuses with 131050 once the customer stopped marketing messages. */
  const summerSale = {
    name: 'summer_sale',
    language: 'en_US',
    parameters: {
      'header.media': { link: 'https://example.com/sale.jpg' },
      'body.1': 'Hanako',
      'body.2': '20%',
      'body.3': 'Sunday',
    },
  };

  it('opts out when Meta refuses a marketing template with 131050', async () => {
    const phone = '+819066667777';
    await record(phone, optIn('marketing'));
    // Meta knows the customer stopped marketing; the bridge has not heard yet.
    await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/customers`, {
      wa_id: phone.slice(1),
      marketing_stopped: true,
    });
    const refused = await world.send({
      to: phone,
      template: summerSale,
    });
    expect(refused.body, JSON.stringify(refused.body)).toMatchObject({ code: 'meta_rejected', meta_code: 131050 });
    expect((await status(phone)).opt_in.marketing).toMatchObject({ state: 'opted_out', source: 'whatsapp_preferences' });
  });

  it('writes the 131050 opt-out with the message failure in one transaction: neither is recorded without the other', async () => {
    const phone = '+819066668888';
    const db = world.bridge.bridge.database.db;
    await record(phone, optIn('marketing'));
    await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/customers`, {
      wa_id: phone.slice(1),
      marketing_stopped: true,
    });
    // The consent write fails for this customer (as a crash between two transactions would lose it).
    await sql`create or replace function test_refuse_consent() returns trigger language plpgsql as $$
      begin if new.phone = '+819066668888' and new.state = 'opted_out' then raise exception 'consent write failed'; end if; return new; end $$`.execute(
      db,
    );
    await sql`create trigger test_refuse_consent before insert on consents for each row execute function test_refuse_consent()`.execute(
      db,
    );
    try {
      const refused = await world.send({
        to: phone,
        template: summerSale,
      });
      expect(refused.status).toBe(500);
    } finally {
      await sql`drop trigger test_refuse_consent on consents`.execute(db);
      await sql`drop function test_refuse_consent()`.execute(db);
    }
    // The failure was not recorded either: the message is still being sent, its points still held, for the
    // stale-send sweep to settle; the registry did not silently miss Meta's opt-out behind a recorded failure.
    const message = await db
      .selectFrom('messages')
      .select(['state', 'error_code'])
      .where('recipient_phone', '=', phone)
      .executeTakeFirstOrThrow();
    expect(message).toEqual({ state: 'sending', error_code: null });
    expect((await status(phone)).opt_in.marketing).toMatchObject({ state: 'opted_in' });
  });

  it('settles concurrent opt-ins and opt-outs on the latest, consistently', async () => {
    const phone = '+819077778888';
    const base = Date.now() - 60_000;
    const requests = Array.from({ length: 20 }, (_, index) =>
      record(
        phone,
        index % 2 === 0
          ? optIn('utility', new Date(base + index * 1000).toISOString())
          : {
              topic: 'utility',
              state: 'opted_out',
              source: 'api',
              evidence: 'stop',
              occurred_at: new Date(base + index * 1000).toISOString(),
            },
      ),
    );
    const answers = await Promise.all(requests);
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    const history = (await world.bridge.request('GET', consents(phone), { token: world.token })).body.data;
    expect(history).toHaveLength(20);
    expect((await status(phone)).opt_in.utility.state).toBe('opted_out');
  });

  it('imports 50,000 consents atomically, or none when one row is bad, and exports the trail as CSV', async () => {
    const header = 'phone,topic,state,source,evidence,occurred_at';
    const rows = Array.from(
      { length: 50_000 },
      (_, index) =>
        `+8190${String(10_000_000 + index).padStart(8, '0')},utility,opted_in,import,Opted in to Sakura Shoes updates,2026-01-01T00:00:00Z`,
    );
    const withBadRow = [...rows];
    withBadRow[31_337] = '+81901,utility,opted_in,import,Opted in to Sakura Shoes updates,2026-01-01T00:00:00Z';
    const count = async () =>
      Number(
        (
          await sql<{ count: number }>`select count(*)::int8 as count from consents where source = 'import'`.execute(
            world.bridge.bridge.database.db,
          )
        ).rows[0]?.count,
      );
    const importCsv = (lines: string[]) =>
      agent().call('importConsents', { rawBody: { bytes: [header, ...lines].join('\n'), contentType: 'text/csv' } });
    const bad = await refusal(importCsv(withBadRow));
    expect(bad).toMatchObject({ status: 422, code: 'invalid_consent_file' });
    expect(bad.body.errors).toEqual([expect.objectContaining({ line: 31_339, code: 'invalid_phone_number' })]);
    expect(await count()).toBe(0);

    expect(await importCsv(rows)).toEqual({ imported: 50_000 });
    expect(await count()).toBe(50_000);

    const exported = await fetch(`${world.bridge.url}/v1/consents/export?phone=%2B819011112222`, {
      headers: { authorization: `Bearer ${world.token}` },
    });
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(exported.headers.get('content-disposition')).toBe('attachment; filename="consents.csv"');
    const bytes = new Uint8Array(await exported.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = new TextDecoder().decode(bytes);
    expect(csv.split('\r\n')[0]).toBe(`${header},recorded_by`);
    expect(csv).toContain("'+819011112222,utility,opted_in,website_form");
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(3);
    // The client reads the same CSV, its query typed and encoded by the contract.
    expect(await agent().call('exportConsents', { query: { phone: '+819011112222' } })).toBe(csv);
  });
});
