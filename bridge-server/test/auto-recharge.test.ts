import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import { waitFor } from '../../test/support/wait-for.js';
import type { SandboxPaymentProvider } from '../src/payments/sandbox-provider.js';
import { auditWallets } from '../src/wallet/audit.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';

const environment = {
  PAYMENT_PROVIDER: 'sandbox',
  // Longer than any test: a slow recharge stays pending until the test settles it (settleNow), not a timer.
  PAYMENT_SANDBOX_SETTLE_DELAY_MS: '3600000',
  PAYMENT_RECONCILE_AFTER_MS: '60000',
  AUTO_RECHARGE_MAX_PER_30_DAYS: '3',
};

describe.each(backends)('auto-recharge on $name', (backend) => {
  let bridge: TestBridge;
  const db = () => bridge.bridge.database.db;
  const worker = () => bridge.bridge.autoRecharge!;

  /** A new account with point prices and an installation, so that every test starts from an empty wallet. */
  async function createTenant() {
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: `Tenant ${randomUUID().slice(0, 6)}` } });
    const deployment = (await bridge.createDeployment(account.body.id)).answer;
    const installation = await bridge.request('POST', `/v1/deployments/${deployment.body.id}/installations`, {
      json: { helpdesk: 'zendesk', instance: `${randomUUID().slice(0, 8)}.zendesk.com` },
    });
    await bridge.request('PUT', '/v1/wallet/settings', {
      json: { account_id: account.body.id, currency: 'USD', point_price_minor: 2, point_value_micro_usd: 1_000 },
    });
    return { accountId: account.body.id as string, token: installation.body.token as string };
  }
  const putSettings = (token: string, json: Record<string, unknown>) =>
    bridge.request('PUT', '/v1/wallet/auto-recharge', { token, json });
  const state = async (token: string) => (await bridge.request('GET', '/v1/wallet/auto-recharge', { token })).body;
  const available = async (token: string) => (await bridge.request('GET', '/v1/wallet', { token })).body.available as number;
  /** Points spent (or added) through the ledger, as captures of messages would. */
  async function spend(accountId: string, points: number) {
    await db()
      .insertInto('wallet_entries')
      .values({
        account_id: accountId,
        kind: 'adjustment',
        balance_delta_points: -points,
        reserved_delta_points: 0,
        reason: 'test: spend',
      })
      .execute();
  }
  async function buy(accountId: string, points: number) {
    const answer = await bridge.request('POST', '/v1/wallet/purchases', {
      json: { account_id: accountId, points, payment_reference: `pay_${randomUUID()}` },
    });
    expect(answer.status).toBe(201);
  }
  async function recharges(accountId: string) {
    return db()
      .selectFrom('payments')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('origin', '=', 'auto_recharge')
      .orderBy('created_at')
      .execute();
  }
  /** The payment provider calls back about a pending recharge now: the test, not a timer, decides when. */
  async function settlePending(accountId: string) {
    const [pending] = (await recharges(accountId)).filter((payment) => payment.state === 'pending');
    await (bridge.bridge.payments!.provider as SandboxPaymentProvider).settleNow(pending!.idempotency_key);
  }
  async function pauseEvents(accountId: string) {
    return db()
      .selectFrom('wallet_events')
      .select('data')
      .where('account_id', '=', accountId)
      .where('kind', '=', 'auto_recharge_paused')
      .orderBy('id')
      .execute();
  }
  beforeAll(async () => {
    bridge = await startTestBridge(backend, environment);
  });
  afterEach(async () => {
    expect(await auditWallets(db())).toEqual([]);
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('buys once when spending takes the available balance under the threshold', async () => {
    const tenant = await createTenant();
    await buy(tenant.accountId, 100);
    const saved = await putSettings(tenant.token, {
      enabled: true,
      threshold: 50,
      amount: 200,
      payment_method: 'pm_sandbox_succeeds',
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      enabled: true,
      state: 'active',
      paused: null,
      threshold: 50,
      amount: 200,
      recharges_last_30_days: 0,
      recharges_max_per_30_days: 3,
      last_attempt: null,
    });
    await worker().drain();
    expect(await recharges(tenant.accountId)).toHaveLength(0);

    await spend(tenant.accountId, 60);
    await worker().drain();
    await worker().drain();
    const [recharge, ...more] = await recharges(tenant.accountId);
    expect(more).toHaveLength(0);
    expect(recharge).toMatchObject({ state: 'succeeded', points: expect.anything() });
    expect(Number(recharge!.points)).toBe(200);
    expect(await available(tenant.token)).toBe(240);
    expect(await state(tenant.token)).toMatchObject({
      state: 'active',
      recharges_last_30_days: 1,
      last_attempt: { id: recharge!.id, origin: 'auto_recharge', state: 'succeeded', purchase: { points: 200 } },
    });
    const listed = (await bridge.request('GET', '/v1/wallet/payments', { token: tenant.token })).body.data;
    expect(listed[0]).toMatchObject({ id: recharge!.id, origin: 'auto_recharge' });
  });

  it('starts nothing more while a recharge is pending, and lets it settle by callback', async () => {
    const tenant = await createTenant();
    await putSettings(tenant.token, { enabled: true, threshold: 50, amount: 100, payment_method: 'pm_sandbox_slow' });
    await worker().drain();
    const [pending] = await recharges(tenant.accountId);
    expect(pending?.state).toBe('pending');
    await buy(tenant.accountId, 10);
    await spend(tenant.accountId, 10);
    for (let round = 0; round < 3; round += 1) await worker().drain();
    expect(await recharges(tenant.accountId)).toHaveLength(1);
    expect((await state(tenant.token)).last_attempt).toMatchObject({ id: pending!.id, state: 'pending' });
    const checkout = await bridge.request('POST', '/v1/wallet/checkout', {
      token: tenant.token,
      json: { points: 10, payment_method: 'pm_sandbox_succeeds' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(checkout.body).toMatchObject({ code: 'payment_pending', payment_id: pending!.id });
    await settlePending(tenant.accountId);
    const settled = await waitFor('the pending recharge to settle', async () => {
      const attempt = (await state(tenant.token)).last_attempt;
      return attempt.state !== 'pending' && attempt;
    });
    expect(settled).toMatchObject({ state: 'succeeded', purchase: { points: 100 } });
    await worker().drain();
    expect(await recharges(tenant.accountId)).toHaveLength(1);
    expect(await available(tenant.token)).toBe(100);
  });

  it('pauses at the limit of recharges per 30 days, with an event that says why', async () => {
    const tenant = await createTenant();
    // Each recharge leaves the balance under the threshold: only the limit stops the next one.
    await putSettings(tenant.token, { enabled: true, threshold: 1_000, amount: 10, payment_method: 'pm_sandbox_succeeds' });
    await worker().drain();
    expect((await recharges(tenant.accountId)).map((payment) => payment.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await available(tenant.token)).toBe(30);
    const paused = await state(tenant.token);
    expect(paused).toMatchObject({
      enabled: true,
      state: 'paused',
      paused: { reason: 'limit_reached', payment_id: null },
      recharges_last_30_days: 3,
    });
    expect(paused.paused.detail).toContain('limit of 3');
    expect(await pauseEvents(tenant.accountId)).toEqual([{ data: expect.objectContaining({ reason: 'limit_reached' }) }]);
    // Saving again resumes it, but the limit still holds: no fourth recharge, paused again.
    await putSettings(tenant.token, { enabled: true, threshold: 1_000, amount: 10, payment_method: 'pm_sandbox_succeeds' });
    await worker().drain();
    expect(await recharges(tenant.accountId)).toHaveLength(3);
    expect((await state(tenant.token)).state).toBe('paused');
    expect(await pauseEvents(tenant.accountId)).toHaveLength(2);
  });

  it('pauses after a failed recharge until the settings are saved again', async () => {
    const tenant = await createTenant();
    await putSettings(tenant.token, { enabled: true, threshold: 5, amount: 20, payment_method: 'pm_sandbox_declined' });
    await worker().drain();
    const [failed] = await recharges(tenant.accountId);
    expect(failed).toMatchObject({ state: 'failed', failure_code: 'card_declined' });
    expect(await state(tenant.token)).toMatchObject({
      state: 'paused',
      paused: { reason: 'payment_failed', payment_id: failed!.id },
      recharges_last_30_days: 0,
      last_attempt: { state: 'failed', failure: { code: 'card_declined' } },
    });
    expect(await pauseEvents(tenant.accountId)).toEqual([
      { data: expect.objectContaining({ reason: 'payment_failed', payment_id: failed!.id }) },
    ]);
    for (let round = 0; round < 3; round += 1) await worker().drain();
    expect(await recharges(tenant.accountId)).toHaveLength(1);

    const resumed = await putSettings(tenant.token, {
      enabled: true,
      threshold: 5,
      amount: 20,
      payment_method: 'pm_sandbox_succeeds',
    });
    expect(resumed.body).toMatchObject({ state: 'active', paused: null });
    await worker().drain();
    expect((await recharges(tenant.accountId)).map((payment) => payment.state)).toEqual(['failed', 'succeeded']);
    expect(await available(tenant.token)).toBe(20);
  });

  it('never has two pending payments for one account, whoever starts them', async () => {
    const tenant = await createTenant();
    await putSettings(tenant.token, { enabled: true, threshold: 50, amount: 100, payment_method: 'pm_sandbox_slow' });
    // The background loop, woken by the save, looks too.
    await Promise.all(Array.from({ length: 8 }, () => worker().step()));
    await worker().drain();
    const started = await recharges(tenant.accountId);
    expect(started).toHaveLength(1);
    await expect(
      db()
        .insertInto('payments')
        .values({
          ...bridge.bridge.payments!.newPayment(tenant.accountId, 'pm_sandbox_succeeds'),
          origin: 'auto_recharge',
          request_key: null,
          request_sha256: null,
          points: 1,
          amount_minor: 2,
          currency: 'USD',
        })
        .execute(),
    ).rejects.toThrow(/payments_one_pending_idx/);
    await settlePending(tenant.accountId);
    await waitFor('the pending recharge to settle', async () => (await recharges(tenant.accountId))[0]!.state !== 'pending');
  });

  it('keeps tenants apart and refuses invalid settings without changing anything', async () => {
    const a = await createTenant();
    const b = await createTenant();
    await putSettings(a.token, { enabled: false, threshold: 10, amount: 10, payment_method: 'pm_sandbox_succeeds' });
    const tables = ['auto_recharge_settings', 'payments', 'wallet_events'] as const;
    async function counts() {
      return Promise.all(
        tables.map(async (table) =>
          Number(
            (
              await db()
                .selectFrom(table)
                .select((eb) => eb.fn.countAll<number>().as('count'))
                .executeTakeFirstOrThrow()
            ).count,
          ),
        ),
      );
    }
    const expectRefused = refusalsLeaving(counts);
    const valid = { enabled: true, threshold: 10, amount: 10, payment_method: 'pm_sandbox_succeeds' };
    await expectRefused('unknown_account', 422, () =>
      bridge.request('GET', `/v1/wallet/auto-recharge?account_id=${a.accountId}`, { token: b.token }),
    );
    await expectRefused('unknown_account', 422, () => putSettings(b.token, { ...valid, account_id: a.accountId }));
    expect(await state(b.token)).toMatchObject({
      account_id: b.accountId,
      enabled: false,
      state: 'off',
      threshold: null,
      last_attempt: null,
    });
    expect(await state(a.token)).toMatchObject({ account_id: a.accountId, enabled: false, state: 'off', threshold: 10 });
    await expectRefused('validation_failed', 422, () => putSettings(b.token, { ...valid, threshold: -1 }));
    await expectRefused('validation_failed', 422, () => putSettings(b.token, { ...valid, amount: 0 }));
    await expectRefused('validation_failed', 422, () => putSettings(b.token, { ...valid, enabled: 'yes' }));
    await expectRefused('validation_failed', 422, () => putSettings(b.token, { ...valid, max_per_30_days: 100 }));
    await expectRefused('unknown_payment_method', 422, () => putSettings(b.token, { ...valid, payment_method: 'pm_unknown' }));
    await expectRefused('validation_failed', 422, () => bridge.request('PUT', '/v1/wallet/auto-recharge', { json: valid }));
    await expectRefused('validation_failed', 422, () => bridge.request('GET', '/v1/wallet/auto-recharge'));
    const unpriced = await bridge.request('POST', '/v1/accounts', { json: { name: 'Unpriced' } });
    await expectRefused('pricing_not_configured', 409, () =>
      bridge.request('PUT', '/v1/wallet/auto-recharge', { json: { ...valid, account_id: unpriced.body.id } }),
    );
    await expect(sql`update auto_recharge_settings set amount_points = 0`.execute(db())).rejects.toThrow(/check constraint/);
  });
});

/** Several bridge processes on one PostgreSQL database: PGlite is one process's embedded database, so PostgreSQL only. */
describe.each(backends.filter((backend) => backend.name === 'postgres'))('auto-recharge, two bridges, on $name', (backend) => {
  let first: TestBridge;
  let second: TestBridge;

  beforeAll(async () => {
    first = await startTestBridge(backend, environment);
    second = await startTestBridge(backend, environment, {
      database: first.database,
      adminToken: first.adminToken,
      encryptionKey: first.config.encryptionKey,
    });
  });
  afterAll(async () => {
    await second?.close({ keepDatabase: true });
    await first?.close();
  });

  it('never starts two recharges for one account, however the two look at once', async () => {
    const accounts: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const account = await first.request('POST', '/v1/accounts', { json: { name: `Shop ${index}` } });
      await first.request('PUT', '/v1/wallet/settings', {
        json: { account_id: account.body.id, currency: 'USD', point_price_minor: 1, point_value_micro_usd: 1_000 },
      });
      const saved = await (index % 2 === 0 ? first : second).request('PUT', '/v1/wallet/auto-recharge', {
        json: { account_id: account.body.id, enabled: true, threshold: 10, amount: 50, payment_method: 'pm_sandbox_slow' },
      });
      expect(saved.status).toBe(200);
      accounts.push(account.body.id);
    }
    const bridges = [first, second];
    await Promise.all(Array.from({ length: 20 }, (_, index) => bridges[index % 2]!.bridge.autoRecharge!.step()));
    await Promise.all(bridges.map((bridge) => bridge.bridge.autoRecharge!.drain()));
    const db = first.bridge.database.db;
    const started = await db.selectFrom('payments').select(['account_id', 'state']).where('account_id', 'in', accounts).execute();
    expect(started.map((payment) => payment.account_id).sort()).toEqual([...accounts].sort());
    expect(started.every((payment) => payment.state === 'pending')).toBe(true);
    expect(await auditWallets(db)).toEqual([]);
  }, 60_000);
});
