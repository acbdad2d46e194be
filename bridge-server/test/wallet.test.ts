import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditWallets } from '../src/wallet/audit.js';
import { backends } from './support/backends.js';
import { expectedPrices } from './support/rates.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, postMetaStatus, utilityConsent, worldNumber } from './support/wallet.js';

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

describe.each(backends)('points wallet on $name', (backend) => {
  let world: SandboxBridge;
  let accountId: string;
  /** The seeded utility template to a Japanese number, at this account's 1,000 micro-USD a point. */
  const templatePoints = expectedPrices.japan.utilityPointsAt1000MicroUsd;
  const db = () => world.bridge.bridge.database.db;
  const admin = (method: string, path: string, json?: unknown) => world.bridge.request(method, path, { json });
  const installation = (method: string, path: string) => world.bridge.request(method, path, { token: world.token });
  const wallet = async () => (await installation('GET', '/v1/wallet')).body;
  const buy = (points: number, payment_reference = `pay_${randomUUID()}`) =>
    admin('POST', '/v1/wallet/purchases', { account_id: accountId, points, payment_reference });
  const optIn = (phone: string) =>
    world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
      token: world.token,
      json: utilityConsent(),
    });
  const confirmation = (to: string) => ({
    to,
    template: orderConfirmationTemplate,
  });
  const recordedMessages = async () =>
    Number(
      (
        await db()
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow()
      ).count,
    );
  const sandboxMessageCount = async () => {
    const answer = await world.control('GET', `/sandbox/messages?phone_number_id=${world.deployment.phone_number_id}`);
    return (Array.isArray(answer) ? answer : answer.data).length as number;
  };
  /** Spends whatever is available on nothing: an adjustment entry, as an operator correcting the wallet would. */
  async function emptyWallet() {
    const { available } = await wallet();
    if (available === 0) return;
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
  }

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    accountId = (await installation('GET', '/v1/accounts')).body.data[0].id;
    const settings = await admin('PUT', '/v1/wallet/settings', {
      account_id: accountId,
      currency: 'JPY',
      point_price_minor: 3,
      tax_rate_basis_points: 1_000,
      point_value_micro_usd: 1_000,
    });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ fee_percent_basis_points: 300, quantity_prices: [] });
  });
  afterEach(async () => {
    // The last test holds the sandbox's statuses back for minutes: drain only what the bridge has received.
    await world.bridge.bridge.processor.drain();
    expect(await auditWallets(db())).toEqual([]);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('quotes a template outside the window as charged and a reply inside it as free', async () => {
    const phone = '+819055550001';
    const template = await installation(
      'GET',
      `/v1/pricing/quote?to=${encodeURIComponent(phone)}&template=order_confirmation&language=ja`,
    );
    expect(template.status).toBe(200);
    expect(template.body).toMatchObject({
      category: 'utility',
      market: expectedPrices.japan.market,
      free_reason: null,
      rate_card: 'pmp-2025-07-01',
      rule_set: 'pmp-2025-07-01',
      rate_micro_usd: expectedPrices.japan.utilityRateMicroUsd,
      points: expectedPrices.japan.utilityPointsAt1000MicroUsd,
    });
    expect((await installation('GET', `/v1/pricing/quote?to=${encodeURIComponent(phone)}&text=1`)).body.code).toBe(
      'window_closed',
    );
    expect((await installation('GET', `/v1/pricing/quote?to=${encodeURIComponent(phone)}`)).status).toBe(422);
    await world.customerWrites(phone, 'hello');
    const reply = await installation('GET', `/v1/pricing/quote?to=${encodeURIComponent(phone)}&text=1`);
    expect(reply.body).toMatchObject({ category: 'service', points: 0, free_reason: 'customer_service_window' });
  });

  it('buys points: integer receipt figures that add up, and one payment reference counts once', async () => {
    const reference = `pay_${randomUUID()}`;
    const first = await buy(1_001, reference);
    expect(first.status).toBe(201);
    const { points, unit_price, subtotal, fee, tax, total, currency } = first.body;
    expect({ points, unit_price, currency }).toEqual({ points: 1_001, unit_price: 3, currency: 'JPY' });
    for (const amount of [subtotal, fee, tax, total]) expect(Number.isInteger(amount)).toBe(true);
    expect(subtotal).toBe(3_003);
    expect(fee).toBe(90); // 3% of 3,003 = 90.09, half-up
    expect(tax).toBe(309); // 10% of 3,093 = 309.3, half-up
    expect(total).toBe(subtotal + fee + tax);
    const again = await buy(1_001, reference);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await buy(5, reference)).body.code).toBe('payment_reference_reused');
    const purchases = await db().selectFrom('wallet_entries').selectAll().where('payment_reference', '=', reference).execute();
    expect(purchases).toHaveLength(1);
    const other = await admin('POST', '/v1/accounts', { name: 'Unpriced' });
    expect(
      (await admin('POST', '/v1/wallet/purchases', { account_id: other.body.id, points: 1, payment_reference: 'x-1' })).body.code,
    ).toBe('pricing_not_configured');
    await expect(sql`update wallet_entries set reason = 'x'`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from purchases`.execute(db())).rejects.toThrow(/append-only/);
    await emptyWallet();
  });

  it('refuses a paid template at zero balance with 402 and sends nothing; a free reply still works', async () => {
    const phone = '+819055550002';
    await optIn(phone);
    await world.customerWrites(phone, 'こんにちは');
    await world.settle();
    await emptyWallet();
    const before = await sandboxMessageCount();
    const messagesBefore = await recordedMessages();
    // Marketing is charged even inside the window; utility inside the window is free, so use a closed window.
    const closed = '+819055550003';
    await optIn(closed);
    const refused = await world.send(confirmation(closed));
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: 'insufficient_points', needed: templatePoints, available: 0 });
    expect(await sandboxMessageCount()).toBe(before);
    expect(await recordedMessages()).toBe(messagesBefore);
    const reply = await world.send({ to: phone, text: { body: 'ご連絡ありがとうございます' } });
    expect(reply.status).toBe(202);
    expect(reply.body.charge).toMatchObject({
      points: 0,
      state: 'free',
      free_reason: 'customer_service_window',
      category: 'service',
    });
    const utility = await world.send(confirmation(phone));
    expect(utility.status).toBe(202);
    expect(utility.body.charge).toMatchObject({ state: 'free', points: 0 });
  });

  it('holds at the send and captures once on Meta’s billable status, despite duplicate and reordered webhooks', async () => {
    await world.control('PUT', '/sandbox/knobs', { duplicateDeliveries: true, reorderReadBeforeDelivered: true });
    try {
      await buy(templatePoints * 3);
      const phones = ['+819055550011', '+819055550012', '+819055550013'];
      const sent: Json[] = [];
      for (const phone of phones) {
        await optIn(phone);
        const answer = await world.send(confirmation(phone));
        expect(answer.status).toBe(202);
        expect(answer.body.charge).toMatchObject({ points: templatePoints, category: 'utility' });
        sent.push(answer.body);
      }
      await world.settle();
      for (const message of sent) {
        const after = (await installation('GET', `/v1/messages/${message.id}`)).body;
        expect(after.charge).toMatchObject({ state: 'captured', captured_points: templatePoints, category_mismatch: false });
        const entries = await db().selectFrom('wallet_entries').select('kind').where('message_id', '=', message.id).execute();
        expect(entries.map((entry) => entry.kind).sort()).toEqual(['capture', 'hold']);
      }
      expect(await wallet()).toEqual({
        balance: 0,
        reserved: 0,
        available: 0,
        unit: 'point',
        low_balance_threshold: 100,
        low: true,
        payment_problem: null,
      });
    } finally {
      await world.control('PUT', '/sandbox/knobs', { duplicateDeliveries: false, reorderReadBeforeDelivered: false });
    }
  });

  it('lets exactly as many of 200 concurrent paid sends through as the balance covers', async () => {
    const phones = Array.from({ length: 200 }, (_, index) => `+8190666${String(index).padStart(5, '0')}`);
    for (let start = 0; start < phones.length; start += 25) await Promise.all(phones.slice(start, start + 25).map(optIn));
    await buy(templatePoints * 37);
    const before = await sandboxMessageCount();
    const answers = await Promise.all(phones.map((phone) => world.send(confirmation(phone))));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(37);
    expect(statuses.filter((status) => status === 402)).toHaveLength(163);
    const holds = await db()
      .selectFrom('wallet_entries')
      .select('message_id')
      .where('kind', '=', 'hold')
      .where('account_id', '=', accountId)
      .where(
        'message_id',
        'in',
        answers.filter((answer) => answer.status === 202).map((answer) => answer.body.id),
      )
      .execute();
    expect(holds).toHaveLength(37);
    await world.settle();
    expect(await sandboxMessageCount()).toBe(before + 37);
    expect(await wallet()).toMatchObject({ balance: 0, reserved: 0, available: 0 });
  }, 120_000);

  it('releases on free pricing and on failure, and settles a duplicated status only once', async () => {
    // Hold the sandbox's own statuses back, so that only the webhooks below settle these messages.
    await world.withKnobs({ statusDelaysMs: { sent: 600_000, delivered: 600_000, read: 600_000 } }, async () => {
      await buy(templatePoints * 3);
      const messages: Json[] = [];
      for (const phone of ['+819055550021', '+819055550022', '+819055550023']) {
        await optIn(phone);
        const answer = await world.send(confirmation(phone));
        expect(answer.status).toBe(202);
        messages.push(answer.body);
      }
      expect(await wallet()).toMatchObject({ reserved: templatePoints * 3, available: 0 });
      const post = (message: Json, status: string, pricing: Record<string, unknown> | null) =>
        postMetaStatus(world, worldNumber(world), message, status, pricing);

      const [free, failed, billed] = messages;
      await post(free, 'sent', { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' });
      await post(free, 'delivered', { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
      await post(failed, 'failed', null);
      await post(billed, 'delivered', { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
      await post(billed, 'delivered', { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
      await post(billed, 'sent', { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
      const charge = async (message: Json) => (await installation('GET', `/v1/messages/${message.id}`)).body.charge;
      expect(await charge(free)).toMatchObject({ state: 'released', captured_points: null });
      expect(await charge(failed)).toMatchObject({ state: 'released' });
      // Meta billed marketing where we held utility: captured at the marketing price, as far as the wallet covers it.
      const billedCharge = await charge(billed);
      expect(billedCharge).toMatchObject({ state: 'captured', meta_category: 'marketing', category_mismatch: true });
      const settlements = await db()
        .selectFrom('wallet_entries')
        .select(['kind', 'message_id'])
        .where('kind', 'in', ['capture', 'release'])
        .where(
          'message_id',
          'in',
          messages.map((message) => message.id),
        )
        .execute();
      expect(settlements).toHaveLength(3);
      const ledger = (await installation('GET', '/v1/wallet/ledger?limit=2')).body;
      expect(ledger.data).toHaveLength(2);
      expect(ledger.next_cursor).not.toBeNull();
      const next = (await installation('GET', `/v1/wallet/ledger?limit=2&cursor=${ledger.next_cursor}`)).body;
      expect(Number(next.data[0].id)).toBeGreaterThan(Number(ledger.data[1].id));
      const { balance, reserved } = await wallet();
      expect(reserved).toBe(0);
      expect(balance).toBeGreaterThanOrEqual(0);
    });
  });
});
