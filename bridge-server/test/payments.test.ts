import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import { waitFor } from '../../test/support/wait-for.js';
import {
  type SandboxPaymentProvider,
  sandboxCallbackSecret,
  sandboxSignatureHeader,
  signSandboxCallback,
} from '../src/payments/sandbox-provider.js';
import { insertPayment, paymentCheckKey } from '../src/payments/store.js';
import { auditWallets } from '../src/wallet/audit.js';
import { recordPurchase } from '../src/wallet/purchases.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';

/** The tables a payment touches: a refused request must leave every one as it was. */
const paymentTables = [
  'payments',
  'purchases',
  'wallet_entries',
  'wallet_events',
  'payment_sandbox_charges',
  'auto_recharge_settings',
] as const;

describe.each(backends)('payments on $name', (backend) => {
  let bridge: TestBridge;
  const tenants: Record<'a' | 'b', { accountId: string; token: string }> = {} as never;
  const db = () => bridge.bridge.database.db;
  const payments = () => bridge.bridge.payments!;

  async function createTenant(name: string) {
    const account = await bridge.request('POST', '/v1/accounts', { json: { name } });
    const deployment = (await bridge.createDeployment(account.body.id)).answer;
    const installation = await bridge.request('POST', `/v1/deployments/${deployment.body.id}/installations`, {
      json: { helpdesk: 'zendesk', instance: `${randomUUID().slice(0, 8)}.zendesk.com` },
    });
    return { accountId: account.body.id as string, token: installation.body.token as string };
  }
  const checkout = (token: string | undefined, json: unknown, key: string = randomUUID()) =>
    bridge.request('POST', '/v1/wallet/checkout', { ...(token ? { token } : {}), json, headers: { 'idempotency-key': key } });
  const wallet = async (token: string) => (await bridge.request('GET', '/v1/wallet', { token })).body;
  const listPayments = async (token: string) => (await bridge.request('GET', '/v1/wallet/payments', { token })).body.data;
  async function counts() {
    const entries = await Promise.all(
      paymentTables.map(async (table) => {
        const row = await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow();
        return [table, Number(row.count)] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
  const expectRefused = refusalsLeaving(counts);
  async function eventsOf(accountId: string) {
    return db().selectFrom('wallet_events').select(['kind', 'data']).where('account_id', '=', accountId).orderBy('id').execute();
  }
  beforeAll(async () => {
    bridge = await startTestBridge(backend, {
      PAYMENT_PROVIDER: 'sandbox',
      // Longer than any test: a slow payment stays pending until the test settles it (settleNow), not a timer.
      PAYMENT_SANDBOX_SETTLE_DELAY_MS: '3600000',
      PAYMENT_RECONCILE_AFTER_MS: '60000',
    });
    tenants.a = await createTenant('Sakura Shoes');
    tenants.b = await createTenant('Momiji Tea');
    for (const tenant of [tenants.a, tenants.b]) {
      const settings = await bridge.request('PUT', '/v1/wallet/settings', {
        json: {
          account_id: tenant.accountId,
          currency: 'JPY',
          point_price_minor: 3,
          tax_rate_basis_points: 1_000,
          point_value_micro_usd: 1_000,
        },
      });
      expect(settings.status).toBe(200);
    }
  });
  afterEach(async () => {
    expect(await auditWallets(db())).toEqual([]);
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('buys points: the payment succeeds, the receipt is in the wallet and the payment lists its purchase', async () => {
    const before = await wallet(tenants.a.token);
    const answer = await checkout(tenants.a.token, { points: 1_001, payment_method: 'pm_sandbox_succeeds' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      account_id: tenants.a.accountId,
      origin: 'checkout',
      state: 'succeeded',
      points: 1_001,
      amount: 3_402, // 3,003 + 3% fee (90) + 10% tax (309)
      currency: 'JPY',
      provider: 'sandbox',
      failure: null,
      next_check_at: null,
    });
    expect(answer.body.provider_reference).toMatch(/^sbx_ch_/);
    expect(answer.body.purchase).toMatchObject({
      points: 1_001,
      total: 3_402,
      payment_reference: answer.body.provider_reference,
    });
    expect((await wallet(tenants.a.token)).balance).toBe(before.balance + 1_001);
    const listed = await listPayments(tenants.a.token);
    expect(listed[0]).toEqual(answer.body);
    const events = await eventsOf(tenants.a.accountId);
    expect(events.at(-1)).toMatchObject({ kind: 'payment_succeeded', data: { payment_id: answer.body.id, points: 1_001 } });
    // The administrator buys for a named account.
    const byAdmin = await checkout(undefined, {
      account_id: tenants.b.accountId,
      points: 5,
      payment_method: 'pm_sandbox_succeeds',
    });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body).toMatchObject({ account_id: tenants.b.accountId, state: 'succeeded' });
  });

  it('makes a declined payment visible with the provider’s reason and buys nothing', async () => {
    for (const [method, code] of [
      ['pm_sandbox_declined', 'card_declined'],
      ['pm_sandbox_insufficient_funds', 'insufficient_funds'],
    ] as const) {
      const before = await wallet(tenants.a.token);
      const purchasesBefore = (await counts()).purchases;
      const key = randomUUID();
      const refused = await checkout(tenants.a.token, { points: 50, payment_method: method }, key);
      expect(refused.status).toBe(402);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({
        code: 'payment_failed',
        failure: { code },
        payment: { state: 'failed', purchase: null },
      });
      expect(refused.body.detail).toContain(code);
      expect(await wallet(tenants.a.token)).toMatchObject({ balance: before.balance, available: before.available });
      expect((await counts()).purchases).toBe(purchasesBefore);
      const [latest] = await listPayments(tenants.a.token);
      expect(latest).toMatchObject({ id: refused.body.payment.id, state: 'failed', failure: { code }, purchase: null });
      expect((await eventsOf(tenants.a.accountId)).at(-1)).toMatchObject({ kind: 'payment_failed', data: { code } });
      // A retry with the same key answers the same refusal; it charges nothing again.
      const again = await checkout(tenants.a.token, { points: 50, payment_method: method }, key);
      expect(again.status).toBe(402);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.payment.id).toBe(refused.body.payment.id);
    }
  });

  it('answers a slow payment pending, refuses forged callbacks, and reflects it once the provider calls back', async () => {
    const before = await wallet(tenants.a.token);
    const answer = await checkout(tenants.a.token, { points: 200, payment_method: 'pm_sandbox_slow' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ state: 'pending', purchase: null, settled_at: null });
    expect(Date.parse(answer.body.next_check_at)).toBeGreaterThan(Date.now());
    expect((await listPayments(tenants.a.token))[0]).toMatchObject({ id: answer.body.id, state: 'pending' });
    expect((await wallet(tenants.a.token)).balance).toBe(before.balance);
    expect((await eventsOf(tenants.a.accountId)).at(-1)).toMatchObject({ kind: 'payment_pending' });
    // One payment at a time: a second purchase while this one is pending is refused, not charged.
    const second = await expectRefused('payment_pending', 409, () =>
      checkout(tenants.a.token, { points: 200, payment_method: 'pm_sandbox_succeeds' }),
    );
    expect(second.payment_id).toBe(answer.body.id);

    const { idempotency_key } = await db()
      .selectFrom('payments')
      .select('idempotency_key')
      .where('id', '=', answer.body.id)
      .executeTakeFirstOrThrow();
    const forged = JSON.stringify({ idempotency_key, state: 'succeeded', provider_reference: 'sbx_ch_forged' });
    const post = (body: string, headers: Record<string, string>) =>
      bridge.request('POST', '/v1/payments/sandbox/callback', {
        token: null,
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    await expectRefused('invalid_callback_signature', 401, () => post(forged, {}));
    await expectRefused('invalid_callback_signature', 401, () =>
      post(forged, { [sandboxSignatureHeader]: signSandboxCallback(forged, sandboxCallbackSecret('ab'.repeat(32))) }),
    );
    const genuine = signSandboxCallback(forged, sandboxCallbackSecret(bridge.config.encryptionKey));
    // Signed, then altered by one byte: the signature covers the raw bytes.
    await expectRefused('invalid_callback_signature', 401, () =>
      post(forged.replace('forged', 'forgee'), { [sandboxSignatureHeader]: genuine }),
    );
    await expectRefused('not_found', 404, () =>
      bridge.request('POST', '/v1/payments/stripe/callback', {
        token: null,
        body: forged,
        headers: { [sandboxSignatureHeader]: genuine },
      }),
    );
    expect((await listPayments(tenants.a.token))[0]).toMatchObject({ id: answer.body.id, state: 'pending' });

    await (payments().provider as SandboxPaymentProvider).settleNow(idempotency_key);
    const settled = await waitFor('the slow payment to settle', async () => {
      const [latest] = await listPayments(tenants.a.token);
      return latest.state !== 'pending' && latest;
    });
    expect(settled).toMatchObject({ id: answer.body.id, state: 'succeeded', purchase: { points: 200 } });
    expect(settled.provider_reference).not.toBe('sbx_ch_forged');
    expect((await wallet(tenants.a.token)).balance).toBe(before.balance + 200);
  });

  it('reconciles a charge whose answer was lost: asked by its key, charged once', async () => {
    const before = await wallet(tenants.a.token);
    const answer = await checkout(tenants.a.token, { points: 300, payment_method: 'pm_sandbox_timeout' });
    expect(answer.status).toBe(201);
    expect(answer.body.state).toBe('pending');
    await bridge.bridge.jobs.drain();
    const [settled] = await listPayments(tenants.a.token);
    expect(settled).toMatchObject({ id: answer.body.id, state: 'succeeded', purchase: { points: 300 } });
    const { idempotency_key } = await db()
      .selectFrom('payments')
      .select('idempotency_key')
      .where('id', '=', answer.body.id)
      .executeTakeFirstOrThrow();
    const charges = await db()
      .selectFrom('payment_sandbox_charges')
      .selectAll()
      .where('idempotency_key', '=', idempotency_key)
      .execute();
    expect(charges).toHaveLength(1);
    const purchases = await db()
      .selectFrom('purchases')
      .selectAll()
      .where('payment_reference', '=', settled.provider_reference)
      .execute();
    expect(purchases).toHaveLength(1);
    expect((await wallet(tenants.a.token)).balance).toBe(before.balance + 300);
  });

  it('settles after a crash: before the provider was called, after it accepted, and after the purchase was counted', async () => {
    const before = await wallet(tenants.b.token);
    const service = payments();
    /** A payment recorded pending with its check due now, as a process that died right after would leave it. */
    async function recorded(points: number) {
      return insertPayment(
        db(),
        {
          ...service.newPayment(tenants.b.accountId, 'pm_sandbox_succeeds'),
          origin: 'auto_recharge',
          request_key: null,
          request_sha256: null,
          points,
          amount_minor: points * 3,
          currency: 'JPY',
        },
        0,
      );
    }
    // 1. Died before calling the provider: the check charges under the same key.
    const neverSent = await recorded(10);
    await bridge.bridge.jobs.drain();
    // 2. The provider accepted, the process died before reading the answer.
    const accepted = await recorded(20);
    const charged = await service.provider.charge({
      idempotencyKey: accepted.idempotency_key,
      accountId: tenants.b.accountId,
      amountMinor: 60,
      currency: 'JPY',
      paymentMethod: 'pm_sandbox_succeeds',
      description: 'test',
    });
    expect(charged.state).toBe('succeeded');
    await bridge.bridge.jobs.drain();
    // 3. The purchase was counted, the process died before marking the payment.
    const counted = await recorded(30);
    const outcome = await service.provider.charge({
      idempotencyKey: counted.idempotency_key,
      accountId: tenants.b.accountId,
      amountMinor: 90,
      currency: 'JPY',
      paymentMethod: 'pm_sandbox_succeeds',
      description: 'test',
    });
    if (outcome.state !== 'succeeded') throw new Error('expected a success');
    await recordPurchase(db(), { accountId: tenants.b.accountId, points: 30, paymentReference: outcome.providerReference });
    await bridge.bridge.jobs.drain();

    for (const row of [neverSent, accepted, counted]) {
      const payment = await db().selectFrom('payments').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      expect(payment.state).toBe('succeeded');
      const charges = await db()
        .selectFrom('payment_sandbox_charges')
        .select('idempotency_key')
        .where('idempotency_key', '=', row.idempotency_key)
        .execute();
      expect(charges).toHaveLength(1);
      const purchases = await db()
        .selectFrom('purchases')
        .select('id')
        .where('payment_reference', '=', payment.provider_reference)
        .execute();
      expect(purchases).toHaveLength(1);
      // The check that settled it is a job of the one primitive, finished.
      const check = await db()
        .selectFrom('jobs')
        .select(['kind', 'status', 'account_id'])
        .where('dedupe_key', '=', paymentCheckKey(row.id))
        .executeTakeFirstOrThrow();
      expect(check).toEqual({ kind: 'payment_check', status: 'done', account_id: tenants.b.accountId });
    }
    expect((await wallet(tenants.b.token)).balance).toBe(before.balance + 60);
  });

  it('replays a checkout by its Idempotency-Key, even concurrent, and refuses the key for another request', async () => {
    const key = randomUUID();
    const body = { points: 7, payment_method: 'pm_sandbox_succeeds' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => checkout(tenants.b.token, body, key)));
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    for (const answer of answers) expect(answer.status).toBe(201);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const again = await checkout(tenants.b.token, body, key);
    expect(again.body).toEqual(answers.find((answer) => answer.body.state === 'succeeded')?.body ?? again.body);
    expect(again.body.state).toBe('succeeded');
    const rows = await db().selectFrom('payments').select('idempotency_key').where('request_key', '=', key).execute();
    expect(rows).toHaveLength(1);
    const charges = await db()
      .selectFrom('payment_sandbox_charges')
      .select('idempotency_key')
      .where('idempotency_key', '=', rows[0]!.idempotency_key)
      .execute();
    expect(charges).toHaveLength(1);
    await expectRefused('idempotency_key_reused', 422, () => checkout(tenants.b.token, { ...body, points: 8 }, key));
  });

  it('keeps tenants apart: an installation sees and buys for its own account only', async () => {
    const mine = await listPayments(tenants.b.token);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((payment: { account_id: string }) => payment.account_id === tenants.b.accountId)).toBe(true);
    await expectRefused('unknown_account', 422, () =>
      bridge.request('GET', `/v1/wallet/payments?account_id=${tenants.a.accountId}`, { token: tenants.b.token }),
    );
    await expectRefused('unknown_account', 422, () =>
      checkout(tenants.b.token, { account_id: tenants.a.accountId, points: 5, payment_method: 'pm_sandbox_succeeds' }),
    );
    const asAdmin = await bridge.request('GET', `/v1/wallet/payments?account_id=${tenants.a.accountId}&limit=2`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.data).toHaveLength(2);
    expect(asAdmin.body.data.every((payment: { account_id: string }) => payment.account_id === tenants.a.accountId)).toBe(true);
    const next = await bridge.request(
      'GET',
      `/v1/wallet/payments?account_id=${tenants.a.accountId}&limit=2&cursor=${asAdmin.body.next_cursor}`,
    );
    expect(next.body.data[0].created_at <= asAdmin.body.data[1].created_at).toBe(true);
    expect(next.body.data.map((payment: { id: string }) => payment.id)).not.toContain(asAdmin.body.data[1].id);
  });

  it('refuses invalid checkouts with a specific problem and changes nothing', async () => {
    const { token } = tenants.a;
    const valid = { points: 10, payment_method: 'pm_sandbox_succeeds' };
    await expectRefused('validation_failed', 422, () => bridge.request('POST', '/v1/wallet/checkout', { token, json: valid }));
    await expectRefused('validation_failed', 422, () => checkout(token, { ...valid, points: 0 }));
    await expectRefused('validation_failed', 422, () => checkout(token, { ...valid, points: 1.5 }));
    await expectRefused('validation_failed', 422, () => checkout(token, { ...valid, coupon: 'FREE' }));
    await expectRefused('validation_failed', 422, () => checkout(token, { ...valid, payment_method: 'pm sandbox' }));
    await expectRefused('validation_failed', 422, () => checkout(undefined, valid));
    await expectRefused('unknown_payment_method', 422, () =>
      checkout(token, { ...valid, payment_method: 'pm_sandbox_free_money' }),
    );
    await expectRefused('unknown_account', 422, () =>
      checkout(undefined, { ...valid, account_id: 'acc_000000000000000000000000' }),
    );
    await expectRefused('unauthorized', 401, () =>
      bridge.request('POST', '/v1/wallet/checkout', { token: null, json: valid, headers: { 'idempotency-key': randomUUID() } }),
    );
    await expectRefused('validation_failed', 422, () => bridge.request('GET', '/v1/wallet/payments'));
    await expectRefused('validation_failed', 422, () => bridge.request('GET', '/v1/wallet/payments?cursor=nonsense', { token }));
    const unpriced = await bridge.request('POST', '/v1/accounts', { json: { name: 'Unpriced' } });
    await expectRefused('pricing_not_configured', 409, () => checkout(undefined, { ...valid, account_id: unpriced.body.id }));
    expect(
      await sql`insert into payments (id, account_id, origin, provider, idempotency_key, payment_method, points, amount_minor, currency)
        values ('pay_x', ${tenants.a.accountId}, 'checkout', 'sandbox', 'k-x', 'pm', 1, 1, 'JPY')`
        .execute(db())
        .catch((error: Error) => error.message),
    ).toMatch(/check constraint/);
  });
});
