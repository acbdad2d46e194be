import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import { withKnobs } from '../../test/support/sandbox.js';
import { auditWallets } from '../src/wallet/audit.js';
import { backends } from './support/backends.js';
import { deploymentRequest, type HttpAnswer, registerWithMeta } from './support/bridge.js';
import { expectedPrices } from './support/rates.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, postMetaStatus } from './support/wallet.js';

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

/** One metered send as the test knows it: who sent it and what the bridge says it cost once settled. */
interface Sent {
  id: string;
  wamid: string;
  to: string;
  deploymentId: string;
  helpdesk: 'zendesk' | 'zoho';
  day: string;
  category: string;
  market: string;
  points: number;
}

/** A business number of the account: its deployment, installation tokens and the sandbox's app secret. */
interface Number {
  deploymentId: string;
  phoneNumberId: string;
  appSecret: string;
  tokens: { zendesk: string; zoho?: string };
}

const figureNames = [
  'messages',
  'paid_messages',
  'points_captured',
  'points_uncollected',
  'held_messages',
  'points_held',
  'released_messages',
  'expired_messages',
  'free_messages',
] as const;

describe.each(backends)('usage report and reconciliation on $name', (backend) => {
  let world: SandboxBridge;
  let accountId: string;
  let first: Number;
  let second: Number;
  const sent: Sent[] = [];
  const db = () => world.bridge.bridge.database.db;
  const admin = (method: string, path: string, json?: unknown) => world.bridge.request(method, path, { json });
  const as = (token: string) => (method: string, path: string) => world.bridge.request(method, path, { token });
  /** The test's sends all happen while it runs: a period of a day either side of its start holds them all. */
  let period: string;

  async function registerNumber(request: Record<string, unknown>, deployment: Json): Promise<void> {
    world.sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-1234-0001',
      verified_name: 'Sakura Shoes',
      access_token: request.access_token as string,
      app_secret: request.app_secret as string,
      webhook_url: `${world.bridge.url}/v1/webhooks/meta/${deployment.id}`,
    });
  }

  async function installation(deploymentId: string, helpdesk: 'zendesk' | 'zoho'): Promise<string> {
    const instance = helpdesk === 'zendesk' ? `${randomUUID().slice(0, 8)}.zendesk.com` : String(Date.now()).slice(-9);
    const answer = await admin('POST', `/v1/deployments/${deploymentId}/installations`, { helpdesk, instance });
    expect(answer.status).toBe(201);
    return answer.body.token;
  }

  /** A second deployment of `account`, known to the sandbox, with a Zendesk installation and synced templates. */
  async function addDeployment(account: string): Promise<Number> {
    const request = deploymentRequest(account, { display_name: 'Sakura Shoes Sales' });
    registerWithMeta(world.sandbox, request);
    const deployment = (await admin('POST', '/v1/deployments', request)).body;
    await registerNumber(request, deployment);
    const token = await installation(deployment.id, 'zendesk');
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token })).status).toBe(202);
    await world.settle();
    return {
      deploymentId: deployment.id,
      phoneNumberId: deployment.phone_number_id,
      appSecret: request.app_secret as string,
      tokens: { zendesk: token },
    };
  }

  async function optIn(token: string, phone: string, business = 'Sakura Shoes') {
    const answer = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
      token,
      json: {
        topic: 'utility',
        state: 'opted_in',
        source: 'website_form',
        evidence: `I agree to receive utility messages from ${business} on WhatsApp.`,
        occurred_at: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(answer.status).toBe(201);
  }

  /** Sends through the bridge as one installation and remembers the send. */
  async function send(number: Number, helpdesk: 'zendesk' | 'zoho', json: Record<string, unknown>): Promise<Sent> {
    const token = number.tokens[helpdesk] as string;
    const answer: HttpAnswer = await world.bridge.request('POST', '/v1/messages', {
      token,
      json: { ...json, ticket: { helpdesk, id: `T-${sent.length + 1}` } },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(answer.status).toBe(202);
    const record: Sent = {
      id: answer.body.id,
      wamid: answer.body.wamid,
      to: answer.body.to,
      deploymentId: number.deploymentId,
      helpdesk,
      day: answer.body.created_at.slice(0, 10),
      category: answer.body.charge.category,
      market: answer.body.charge.market,
      points: answer.body.charge.points,
    };
    sent.push(record);
    return record;
  }

  const utilityTemplate = (to: string) => ({
    to,
    template: orderConfirmationTemplate,
  });

  /** A status webhook as Meta would sign it, for a message of `number`; processed before returning. */
  const postStatus = (number: Number, message: Sent, status: string, at: Date, pricing: Record<string, unknown> | null) =>
    postMetaStatus(world, number, message, status, pricing, at);

  /** Every message's charge as GET /v1/messages/{id} shows it: the figures the report must add up to. */
  async function chargesOf(messages: Sent[]) {
    return Promise.all(
      messages.map(async (message) => {
        const number = message.deploymentId === first.deploymentId ? first : second;
        const answer = await as(number.tokens.zendesk)('GET', `/v1/messages/${message.id}`);
        expect(answer.status).toBe(200);
        return { message, charge: answer.body.charge as Json };
      }),
    );
  }

  /** What the report should say of these messages, computed from their charges, not from the report's SQL. */
  function expectedFigures(charges: { message: Sent; charge: Json }[]) {
    const figures: Json = Object.fromEntries(figureNames.map((name) => [name, 0]));
    figures.free_messages_by_reason = {};
    for (const { charge } of charges) {
      figures.messages += 1;
      if (charge.state === 'captured') {
        figures.paid_messages += 1;
        figures.points_captured += charge.captured_points;
      } else if (charge.state === 'held') {
        figures.held_messages += 1;
        figures.points_held += charge.points;
      } else if (charge.state === 'released') {
        figures.released_messages += 1;
      } else if (charge.state === 'free') {
        figures.free_messages += 1;
        figures.free_messages_by_reason[charge.free_reason] = (figures.free_messages_by_reason[charge.free_reason] ?? 0) + 1;
      }
    }
    return figures;
  }

  const keyOf = (dimensions: string[], { message, charge }: { message: Sent; charge: Json }) => {
    const values: Record<string, string> = {
      day: message.day,
      category: charge.state === 'captured' ? (charge.meta_category ?? charge.category) : charge.category,
      market: message.market,
      deployment: message.deploymentId,
      helpdesk: message.helpdesk,
    };
    const names: Record<string, string> = { deployment: 'deployment_id' };
    return Object.fromEntries(dimensions.map((dimension) => [names[dimension] ?? dimension, values[dimension]]));
  };

  function expectedGroups(dimensions: string[], charges: { message: Sent; charge: Json }[]) {
    const groups = new Map<string, { message: Sent; charge: Json }[]>();
    for (const entry of charges) {
      const key = JSON.stringify(keyOf(dimensions, entry));
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    return [...groups].map(([key, entries]) => ({ key: JSON.parse(key), ...expectedFigures(entries) }));
  }

  /** Row counts of the tables a report could touch, to show that a refused one changed nothing. */
  async function storageCounts() {
    const tables = ['accounts', 'messages', 'message_charges', 'message_billing_reports', 'wallet_entries'] as const;
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const row = await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.count);
    }
    return counts;
  }

  /** `token`: an installation's, the administrator's, or null for none. */
  const refused = refusalsLeaving(storageCounts);
  const expectRefused = (code: string, status: number, path: string, token: string | null, method = 'GET') =>
    refused(code, status, () => world.bridge.request(method, path, { token }));

  beforeAll(async () => {
    const startedAtMs = Date.now();
    const day = (offsetDays: number) => new Date(startedAtMs + offsetDays * 86_400_000).toISOString().slice(0, 10);
    period = `from=${day(-1)}&to=${day(2)}`;
    world = await startSandboxBridge(backend);
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    accountId = (await as(world.token)('GET', '/v1/accounts')).body.data[0].id;
    const settings = await admin('PUT', '/v1/wallet/settings', {
      account_id: accountId,
      currency: 'JPY',
      point_price_minor: 3,
      point_value_micro_usd: 1_000,
    });
    expect(settings.status).toBe(200);
    first = {
      deploymentId: world.deployment.id,
      phoneNumberId: world.deployment.phone_number_id,
      appSecret: world.sandbox.state.numbers.get(world.deployment.phone_number_id)!.appSecret,
      tokens: { zendesk: world.token, zoho: await installation(world.deployment.id, 'zoho') },
    };
    second = await addDeployment(accountId);
    const bought = await admin('POST', '/v1/wallet/purchases', {
      account_id: accountId,
      points: 100_000,
      payment_reference: `pay_${randomUUID()}`,
    });
    expect(bought.status).toBe(201);
  });
  afterEach(async () => {
    // The last test holds the sandbox's statuses back for minutes: drain only what the bridge has received.
    await world.bridge.bridge.processor.drain();
    expect(await auditWallets(db())).toEqual([]);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('reports every group-by combination exactly, over two deployments and both helpdesks', async () => {
    // Arrange: billable templates outside the window (Japan and the United Kingdom), a free reply and a free
    // utility template inside it, and a template Meta fails, from three installations on two numbers.
    const japan = ['+819055551001', '+819055551002', '+819055551003'] as const;
    // A mobile number of Great Britain (GB): +44 7911 … is Guernsey's (GG), which the market table does not list, so
    // the bridge prices it as "Other" (7,700 micro-USD, 8 points) — not what a test of the United Kingdom meant.
    const britain = '+447400123456';
    const unreachable = '+819055551009';
    for (const phone of [...japan, britain, unreachable]) await optIn(world.token, phone);
    await world.control('POST', `/sandbox/numbers/${second.phoneNumberId}/customers`, {
      wa_id: unreachable.slice(1),
      undeliverable: true,
    });
    await world.customerWrites(japan[2], 'サイズを変更できますか？');
    await send(first, 'zendesk', utilityTemplate(japan[0]));
    await send(first, 'zoho', utilityTemplate(japan[1]));
    await send(first, 'zendesk', { to: japan[2], text: { body: 'はい、変更できます。' } });
    await send(first, 'zoho', utilityTemplate(japan[2]));
    await send(second, 'zendesk', utilityTemplate(britain));
    await send(second, 'zendesk', utilityTemplate(japan[0]));
    await send(second, 'zendesk', utilityTemplate(unreachable));
    await world.settle();
    const charges = await chargesOf(sent);
    expect(charges.map(({ charge }) => charge.state)).toEqual([
      'captured',
      'captured',
      'free',
      'free',
      'captured',
      'captured',
      'released',
    ]);
    // The prices, from the rate card data: a utility template to Japan 12 points, to the United Kingdom 22, a reply
    // and a template inside the window free; the undeliverable one was held at Japan's price before Meta failed it.
    const { japan: japanPrices, unitedKingdom } = expectedPrices;
    expect(sent.map((message) => [message.market, message.points])).toEqual([
      [japanPrices.market, japanPrices.utilityPointsAt1000MicroUsd],
      [japanPrices.market, japanPrices.utilityPointsAt1000MicroUsd],
      [japanPrices.market, 0],
      [japanPrices.market, 0],
      [unitedKingdom.market, unitedKingdom.utilityPointsAt1000MicroUsd],
      [japanPrices.market, japanPrices.utilityPointsAt1000MicroUsd],
      [japanPrices.market, japanPrices.utilityPointsAt1000MicroUsd],
    ]);

    // Act and assert: each dimension alone, pairs, all five, and none.
    const combinations = [
      [],
      ['day'],
      ['category'],
      ['market'],
      ['deployment'],
      ['helpdesk'],
      ['deployment', 'helpdesk'],
      ['market', 'category'],
      ['day', 'category', 'market', 'deployment', 'helpdesk'],
    ];
    for (const dimensions of combinations) {
      const path = `/v1/wallet/usage?${period}&group_by=${dimensions.join(',')}`;
      const answer = await as(world.token)('GET', path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.group_by).toEqual(dimensions);
      const canonical = (key: Json) => JSON.stringify(Object.entries(key).sort());
      const byKey = (groups: Json[]) => [...groups].sort((a, b) => canonical(a.key).localeCompare(canonical(b.key)));
      expect(byKey(answer.body.groups), path).toEqual(byKey(expectedGroups(dimensions, charges)));
      expect(answer.body.totals).toEqual(expectedFigures(charges));
    }

    // The totals are the ledger's: captures of these messages, and nothing held.
    const captures = await db()
      .selectFrom('wallet_entries')
      .select(sql<string>`coalesce(sum(-balance_delta_points), 0)`.as('points'))
      .where('kind', '=', 'capture')
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    const totals = (await as(world.token)('GET', `/v1/wallet/usage?${period}`)).body.totals;
    expect(totals.points_captured).toBe(Number(captures.points));
    // Three utility templates to Japan and one to the United Kingdom: 3 × 12 + 22 points.
    expect(totals.points_captured).toBe(3 * japanPrices.utilityPointsAt1000MicroUsd + unitedKingdom.utilityPointsAt1000MicroUsd);
    expect(totals.points_captured).toBe(58);
    expect(totals).toMatchObject({ paid_messages: 4, free_messages: 2, released_messages: 1, points_held: 0 });
    expect(totals.free_messages_by_reason).toEqual({ customer_service_window: 2 });

    // The administrator reads the same report by naming the account.
    const asAdmin = await admin('GET', `/v1/wallet/usage?${period}&group_by=helpdesk&account_id=${accountId}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.totals).toEqual(totals);
    expect(asAdmin.body.groups.map((group: Json) => [group.key.helpdesk, group.messages])).toEqual([
      ['zendesk', 5],
      ['zoho', 2],
    ]);
  }, 60_000);

  it('counts days in the time zone asked for, with date bounds at its midnights', async () => {
    // Arrange: two free replies, moved to either side of midnight in Tokyo (15:00 UTC) on New Year's Eve.
    const phone = '+819055551003';
    const before = await send(first, 'zendesk', { to: phone, text: { body: '年内最後のご連絡です。' } });
    const after = await send(first, 'zoho', { to: phone, text: { body: '新年のご挨拶です。' } });
    sent.splice(-2);
    await world.settle();
    const moveTo = (message: Sent, at: string) =>
      sql`update message_charges set created_at = ${new Date(at)} where message_id = ${message.id}`.execute(db());
    await moveTo(before, '2025-12-31T14:59:59.999Z');
    await moveTo(after, '2025-12-31T15:00:00.000Z');
    const days = async (query: string) => {
      const answer = await as(world.token)('GET', `/v1/wallet/usage?${query}&group_by=day`);
      expect(answer.status, query).toBe(200);
      return answer.body;
    };

    // Act and assert.
    const tokyo = await days('from=2025-12-31&to=2026-01-02&timezone=Asia/Tokyo');
    expect(tokyo).toMatchObject({ from: '2025-12-30T15:00:00.000Z', to: '2026-01-01T15:00:00.000Z', timezone: 'Asia/Tokyo' });
    expect(tokyo.groups.map((group: Json) => [group.key.day, group.messages])).toEqual([
      ['2025-12-31', 1],
      ['2026-01-01', 1],
    ]);
    const utc = await days('from=2025-12-31&to=2026-01-02');
    expect(utc.groups.map((group: Json) => [group.key.day, group.messages])).toEqual([['2025-12-31', 2]]);
    // A date bound is the zone's midnight, inclusive at the start and exclusive at the end.
    const newYear = await days('from=2026-01-01&to=2026-01-02&timezone=asia/tokyo');
    expect(newYear.timezone).toBe('Asia/Tokyo');
    expect(newYear.groups.map((group: Json) => [group.key.day, group.messages])).toEqual([['2026-01-01', 1]]);
    const oldYear = await days('from=2025-12-31T00:00:00%2B09:00&to=2025-12-31T15:00:00Z&timezone=Asia/Tokyo');
    expect(oldYear.groups.map((group: Json) => [group.key.day, group.messages])).toEqual([['2025-12-31', 1]]);
    // A daylight-saving zone: New York's 8 March 2026 starts at 05:00 UTC and lasts 23 hours.
    const newYork = await days('from=2026-03-08&to=2026-03-09&timezone=America/New_York');
    expect(newYork).toMatchObject({ from: '2026-03-08T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z', groups: [] });
  });

  it('keeps tenants apart: another account’s report, and a refusal to read across', async () => {
    // Arrange: a second account with its own number, points and one billable send.
    const other = (await admin('POST', '/v1/accounts', { name: 'Momiji Tea' })).body.id as string;
    expect(
      (
        await admin('PUT', '/v1/wallet/settings', {
          account_id: other,
          currency: 'JPY',
          point_price_minor: 3,
          point_value_micro_usd: 1_000,
        })
      ).status,
    ).toBe(200);
    await admin('POST', '/v1/wallet/purchases', { account_id: other, points: 1_000, payment_reference: `pay_${randomUUID()}` });
    const theirs = await addDeployment(other);
    await optIn(theirs.tokens.zendesk, '+819055552001', 'Momiji Tea');
    const theirMessage = await send(theirs, 'zendesk', utilityTemplate('+819055552001'));
    sent.pop();
    await world.settle();
    const ours = (await as(world.token)('GET', `/v1/wallet/usage?${period}`)).body.totals;

    // Act and assert: each account sees only its own messages, whoever asks.
    const theirReport = await as(theirs.tokens.zendesk)('GET', `/v1/wallet/usage?${period}&group_by=deployment`);
    expect(theirReport.body.groups).toEqual([
      expect.objectContaining({ key: { deployment_id: theirs.deploymentId }, messages: 1, paid_messages: 1 }),
    ]);
    expect(theirReport.body.totals.points_captured).toBe(theirMessage.points);
    const viaAdmin = await admin('GET', `/v1/wallet/usage?${period}&account_id=${other}`);
    expect(viaAdmin.body.totals).toEqual(theirReport.body.totals);
    expect(ours.messages).toBe(sent.length);
    const theirReconciliation = await as(theirs.tokens.zendesk)('GET', `/v1/wallet/reconciliation?${period}`);
    expect(theirReconciliation.body.summary.matched).toEqual({ messages: 1, points: theirMessage.points });
    await expectRefused('unknown_account', 422, `/v1/wallet/usage?${period}&account_id=${accountId}`, theirs.tokens.zendesk);
    await expectRefused('unknown_account', 422, `/v1/wallet/reconciliation?${period}&account_id=${other}`, world.token);
  }, 60_000);

  it('refuses bad periods, groups, time zones and callers with a problem, changing nothing', async () => {
    const usage = '/v1/wallet/usage';
    const validation = async (path: string, issue: { path: string; code?: string }) => {
      const body = await expectRefused('validation_failed', 422, path, world.token);
      expect(body.errors).toEqual([expect.objectContaining(issue)]);
    };
    await expectRefused('unauthorized', 401, `${usage}?${period}`, null);
    await expectRefused('invalid_period', 422, `${usage}?from=2026-02-01&to=2026-01-01`, world.token);
    await expectRefused('invalid_period', 422, `${usage}?from=2026-01-01&to=2026-01-01`, world.token);
    await expectRefused('invalid_period', 422, `${usage}?from=2025-01-01&to=2026-01-03`, world.token);
    // 2024 is a leap year: its 366 days are one period.
    expect((await as(world.token)('GET', `${usage}?from=2024-01-01&to=2025-01-01`)).status).toBe(200);
    await validation(`${usage}?from=2026-13-01&to=2027-01-01`, { path: 'query.from' });
    await validation(`${usage}?from=2026-01-01T00:00:00&to=2027-01-01`, { path: 'query.from' });
    await validation(`${usage}?to=2026-01-01`, { path: 'query.from' });
    await validation(`${usage}?${period}&group_by=day,week`, { path: 'query.group_by', code: 'unknown_group' });
    await validation(`${usage}?${period}&group_by=day,day`, { path: 'query.group_by', code: 'duplicate_group' });
    await validation(`${usage}?${period}&timezone=Mars/Olympus`, { path: 'query.timezone', code: 'unknown_time_zone' });
    await validation(`${usage}?${period}&timezone=%2B09:00`, { path: 'query.timezone', code: 'unknown_time_zone' });
    await validation(`${usage}?${period}&currency=JPY`, { path: 'query', code: 'unknown_field' });
    await validation(`/v1/wallet/reconciliation?${period}&class=matched`, { path: 'query.class' });
    await validation(`/v1/wallet/reconciliation?${period}&limit=0`, { path: 'query.limit' });
    await validation(`/v1/wallet/reconciliation?${period}&cursor=bm90LWEtY3Vyc29y`, {
      path: 'query.cursor',
      code: 'invalid_cursor',
    });
    // The administrator must name an account, and an existing one.
    const adminToken = world.bridge.adminToken;
    const missing = await expectRefused('validation_failed', 422, `${usage}?${period}`, adminToken);
    expect(missing.errors).toEqual([expect.objectContaining({ path: 'query.account_id', code: 'required' })]);
    await expectRefused('unknown_account', 422, `${usage}?${period}&account_id=acc_${'0'.repeat(24)}`, adminToken);
    await expectRefused('validation_failed', 422, `${usage}?${period}&account_id=someone`, adminToken);
    await expectRefused('method_not_allowed', 405, `${usage}?${period}`, world.token, 'POST');
  });

  it('reconciles every charge with Meta’s word and lists each kind of discrepancy', async () => {
    // Arrange: a window opened on the second number first (the sandbox must be idle for it), then that number's own
    // statuses held back, so that only the signed webhooks below (as Meta would send them) settle its messages.
    const inWindow = '+819055553005';
    await optIn(world.token, inWindow);
    await world.control('POST', `/sandbox/numbers/${second.phoneNumberId}/inbound`, { from: inWindow.slice(1), text: 'hi' });
    await world.settle();
    const heldBack = { statusDelaysMs: { sent: 600_000, delivered: 600_000, read: 600_000 } };
    await withKnobs(world.sandboxServer.url, second.phoneNumberId, heldBack, async () => {
      const phones = ['+819055553001', '+819055553002', '+819055553003', '+819055553004'] as const;
      for (const phone of phones) await optIn(world.token, phone);
      const [released, mismatched, failedLater, held] = [
        await send(second, 'zendesk', utilityTemplate(phones[0])),
        await send(second, 'zendesk', utilityTemplate(phones[1])),
        await send(second, 'zendesk', utilityTemplate(phones[2])),
        await send(second, 'zendesk', utilityTemplate(phones[3])),
      ];
      const freeThenBilled = await send(second, 'zendesk', utilityTemplate(inWindow));
      expect([released, mismatched, failedLater, held].map((message) => message.points)).toEqual(
        Array(4).fill(expectedPrices.japan.utilityPointsAt1000MicroUsd),
      );
      expect(freeThenBilled.points).toBe(0);
      const regular = (category: string) => ({ billable: true, pricing_model: 'PMP', type: 'regular', category });
      const free = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' };
      const now = new Date();
      const later = new Date(now.getTime() + 2_000);

      // Released on Meta's free word, then billed by a later status.
      await postStatus(second, released, 'sent', now, free);
      await postStatus(second, released, 'delivered', later, regular('utility'));
      // Billed at another category than we held.
      await postStatus(second, mismatched, 'delivered', now, regular('marketing'));
      // Captured on sent, then failed: Meta's last word is that it did not bill it.
      await postStatus(second, failedLater, 'sent', now, regular('utility'));
      await postStatus(second, failedLater, 'failed', later, null);
      // A late status of the same message, older than the last word, changes nothing.
      await postStatus(second, failedLater, 'delivered', now, regular('utility'));
      // Priced free at the send (window open), billed by Meta while the wallet is empty: uncollected.
      const { available } = await availablePoints();
      await db()
        .insertInto('wallet_entries')
        .values({
          account_id: accountId,
          kind: 'adjustment',
          balance_delta_points: -available,
          reserved_delta_points: 0,
          reason: 'test: empty the wallet',
        })
        .execute();
      await postStatus(second, freeThenBilled, 'delivered', now, regular('utility'));
      const reconciliation = (query = '') => as(world.token)('GET', `/v1/wallet/reconciliation?${period}${query}`);

      // Act and assert: the unpriced hold waits for Meta for an hour, then is a discrepancy.
      const young = (await reconciliation()).body;
      expect(young.summary.awaiting_meta).toEqual({ messages: 1, points: held.points });
      expect(young.summary.held_without_pricing).toEqual({ messages: 0, points: 0 });
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      await sql`update message_charges set created_at = ${twoHoursAgo} where message_id = ${held.id}`.execute(db());
      const answer = await reconciliation();
      expect(answer.status).toBe(200);
      const freeThenBilledCharge = (await chargesOf([freeThenBilled]))[0]!.charge;
      const failedLaterCharge = (await chargesOf([failedLater]))[0]!.charge;
      expect(answer.body.summary).toMatchObject({
        billable_not_captured: { messages: 1, points: released.points },
        captured_not_billable: { messages: 1, points: failedLaterCharge.captured_points },
        // Meta billed marketing: captured at Japan's marketing rate, 73,200 micro-USD = 74 points.
        category_mismatch: { messages: 1, points: expectedPrices.japan.marketingPointsAt1000MicroUsd },
        // Billed at the utility price of the same market, which the emptied wallet could not cover at all.
        uncollected: { messages: 1, points: released.points },
        held_without_pricing: { messages: 1, points: held.points },
        awaiting_meta: { messages: 0, points: 0 },
      });
      expect(freeThenBilledCharge).toMatchObject({ state: 'captured', captured_points: 0 });
      // The first test's charges all match: captured at Meta's category, or released and free on Meta's free word.
      expect(answer.body.summary.matched.messages).toBe(sent.length - 5);
      const byClass = Object.fromEntries(answer.body.discrepancies.map((item: Json) => [item.class, item]));
      expect(answer.body.discrepancies.map((item: Json) => item.message_id)).toEqual([
        held.id,
        released.id,
        mismatched.id,
        failedLater.id,
        freeThenBilled.id,
      ]);
      expect(byClass.billable_not_captured).toMatchObject({
        message_id: released.id,
        deployment_id: second.deploymentId,
        ticket: { helpdesk: 'zendesk', id: expect.any(String) },
        charge: { state: 'released', category: 'utility', points: released.points, captured_points: null },
        meta: { billable: true, type: 'regular', category: 'utility', status: 'delivered', pricing_model: 'PMP' },
      });
      expect(byClass.category_mismatch).toMatchObject({
        charge: { state: 'captured', category: 'utility', captured_category: 'marketing' },
        meta: { billable: true, category: 'marketing' },
      });
      expect(byClass.captured_not_billable).toMatchObject({
        charge: { state: 'captured', captured_points: failedLater.points },
        meta: { billable: false, status: 'failed', type: null, category: null },
      });
      expect(byClass.uncollected).toMatchObject({
        charge: { state: 'captured', captured_points: 0, free_reason: 'customer_service_window' },
        meta: { billable: true, type: 'regular' },
      });
      expect(byClass.held_without_pricing).toMatchObject({ charge: { state: 'held', points: held.points }, meta: null });

      // Pages of two, and one class alone.
      const pages: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page: Json = (await reconciliation(`&limit=2${cursor === '' ? '' : `&cursor=${cursor}`}`)).body;
        expect(page.discrepancies.length).toBeLessThanOrEqual(2);
        pages.push(...page.discrepancies.map((item: Json) => item.message_id));
        cursor = page.next_cursor;
      }
      expect(pages).toEqual(answer.body.discrepancies.map((item: Json) => item.message_id));
      const onlyMismatch = (await reconciliation('&class=category_mismatch')).body;
      expect(onlyMismatch.discrepancies.map((item: Json) => item.message_id)).toEqual([mismatched.id]);
      expect(onlyMismatch.summary).toEqual(answer.body.summary);

      // The usage report agrees: the uncollected points and the one hold still held.
      const totals = (await as(world.token)('GET', `/v1/wallet/usage?${period}`)).body.totals;
      expect(totals.points_uncollected).toBe(answer.body.summary.uncollected.points);
      expect(totals).toMatchObject({ held_messages: 1, points_held: held.points });
    });
  }, 60_000);

  async function availablePoints(): Promise<{ available: number }> {
    const row = await db()
      .selectFrom('wallets')
      .select(['balance_points', 'reserved_points'])
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return { available: Number(row.balance_points) - Number(row.reserved_points) };
  }
});
