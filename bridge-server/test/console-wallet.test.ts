import { type PerMessageRateCard, seedRateCards } from '@wabridge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import { backends } from './support/backends.js';
import { type HttpAnswer, startTestBridge, type TestBridge } from './support/bridge.js';
import { type Tenant, twoTenants } from './support/tenants.js';

/**
 * What the admin console's wallet pages read and do (console/wallet.tsx, rates.tsx, reconciliation.tsx, charts.tsx):
 * the balance over time, the rate card import's dry run, and which wallet routes an account admin may call, always
 * confined to its own account.
 */

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers and assert on their shape.
type Json = any;

const seedCard = seedRateCards.find((card) => card.id === 'pmp-2025-07-01') as PerMessageRateCard;
const decimal = (micro: number) => String(micro / 1_000_000);

/** The seed card in Meta's CSV layout, with `edit` applied to each market's rates (null: the market left out). */
function metaCsv(
  edit: (market: string, rates: PerMessageRateCard['rates'][string]) => PerMessageRateCard['rates'][string] | null,
  extra: string[] = [],
): string {
  const rows = Object.entries(seedCard.rates).flatMap(([market, original]) => {
    const rates = edit(market, original);
    if (rates === null) return [];
    const international = rates.authenticationInternationalMicro;
    return [
      [
        `"${market}"`,
        'USD',
        decimal(rates.marketingMicro),
        decimal(rates.utilityMicro),
        decimal(rates.authenticationMicro),
        international === null ? 'n/a' : decimal(international),
        decimal(rates.serviceMicro),
      ].join(','),
    ];
  });
  return [
    'WhatsApp Business Platform rate card (USD)',
    'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service',
    ...rows,
    ...extra,
  ].join('\r\n');
}

describe.each(backends)('the console’s wallet routes on $name', (backend) => {
  let bridge: TestBridge;
  let origin: string;
  let tenant: { a: Tenant; b: Tenant };
  let adminCookie: string;
  let operatorCookie: string;

  async function signIn(secret: string): Promise<string> {
    const answer = await bridge.request('POST', '/v1/console/session', { token: null, json: { secret }, headers: { origin } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return (answer.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
  }

  function as(cookie: string, method: string, path: string, json?: unknown): Promise<HttpAnswer> {
    return bridge.request(method, path, { token: null, headers: { cookie, origin }, ...(json === undefined ? {} : { json }) });
  }

  async function adjust(accountId: string, points: number, reference: string): Promise<void> {
    const answer = await bridge.request('POST', '/v1/wallet/adjustments', {
      json: { account_id: accountId, points, reason: `test ${reference}`, reference },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  }

  async function preview(query: Record<string, string>, csv: string, headers: Record<string, string>): Promise<HttpAnswer> {
    const response = await fetch(`${bridge.url}/v1/pricing/rate-cards/preview?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...headers },
      body: csv,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : text };
  }
  const asOperator = () => ({ authorization: `Bearer ${bridge.adminToken}` });
  const cardQuery = { id: 'meta-2099-01-01', effective_from: '2099-01-01', source: 'test fixture' };
  /** A period the reports accept (at most 366 days) around now. */
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  const recent = `from=${day(-300)}&to=${day(2)}`;

  beforeAll(async () => {
    bridge = await startTestBridge(backend, { PAYMENT_PROVIDER: 'sandbox' });
    origin = new URL(bridge.url).origin;
    tenant = await twoTenants(bridge);
    const admin = await bridge.request('POST', `/v1/accounts/${tenant.a.accountId}/admins`, { json: { name: 'Aiko' } });
    adminCookie = await signIn(admin.body.credential);
    operatorCookie = await signIn(bridge.adminToken);
  });
  afterAll(async () => {
    await bridge?.close();
  });

  describe('balance history', () => {
    const period = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ from: day(-300), to: day(2), ...extra }).toString();

    it('answers the wallet after every change, from the whole ledger, and ends at the wallet’s balance', async () => {
      await adjust(tenant.a.accountId, 1_000, 'history-1');
      await adjust(tenant.a.accountId, -12, 'history-2');
      await adjust(tenant.a.accountId, -30, 'history-3');
      const answer = await as(adminCookie, 'GET', `/v1/wallet/balance-history?${period()}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.account_id).toBe(tenant.a.accountId);
      expect(answer.body.opening).toEqual({ balance: 0, reserved: 0, available: 0 });
      expect(answer.body.changes.map((change: Json) => change.balance)).toEqual([1_000, 988, 958]);
      expect(answer.body.truncated).toBe(false);
      const wallet = await as(adminCookie, 'GET', `/v1/accounts/${tenant.a.accountId}/wallet`);
      expect(answer.body.changes.at(-1)).toMatchObject({ balance: wallet.body.balance, available: wallet.body.available });
    });

    it('starts from the balance before the period and before the changes a limit leaves out, not from zero', async () => {
      const account = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Long Ledger' } })).body.id as string;
      await adjust(account, 5_000, 'long-0');
      // More entries than a ledger page holds (200): the history must still end at the balance.
      for (let index = 1; index <= 205; index += 1) await adjust(account, -1, `long-${index}`);
      const all = await bridge.request('GET', `/v1/wallet/balance-history?account_id=${account}&${period()}`);
      expect(all.body.changes).toHaveLength(206);
      expect(all.body.changes.at(-1).balance).toBe(5_000 - 205);

      const latest = await bridge.request('GET', `/v1/wallet/balance-history?account_id=${account}&${period({ limit: '10' })}`);
      expect(latest.body.truncated).toBe(true);
      expect(latest.body.opening.balance).toBe(5_000 - 195);
      expect(latest.body.changes.map((change: Json) => change.balance)).toEqual(
        Array.from({ length: 10 }, (_, index) => 5_000 - 196 - index),
      );

      // The ledger page the console shows: newest first, page after page, with the same filters.
      const ledger = (cursor?: string) =>
        bridge.request(
          'GET',
          `/v1/wallet/ledger?account_id=${account}&kind=adjustment&order=newest_first&limit=150${cursor ? `&cursor=${cursor}` : ''}`,
        );
      const first = await ledger();
      const second = await ledger(first.body.next_cursor);
      const ids = [...first.body.data, ...second.body.data].map((entry: Json) => Number(entry.id));
      expect(ids).toHaveLength(206);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(second.body.next_cursor).toBeNull();
      expect(first.body.data[0].reason).toBe('test long-205');

      const future = await bridge.request('GET', `/v1/wallet/balance-history?account_id=${account}&from=${day(3)}&to=${day(10)}`);
      expect(future.body).toMatchObject({ opening: { balance: 5_000 - 205 }, changes: [], truncated: false });
    });

    it('refuses a bad period, another account for an account admin, and needs the account for the operator', async () => {
      for (const [path, status, code] of [
        [`/v1/wallet/balance-history?from=2026-02-01&to=2026-01-01`, 422, 'invalid_period'],
        [`/v1/wallet/balance-history?${period({ limit: '0' })}`, 422, 'validation_failed'],
        [`/v1/wallet/balance-history?${period({ account_id: tenant.b.accountId })}`, 422, 'unknown_account'],
      ] as const) {
        const answer = await as(adminCookie, 'GET', path);
        expect([answer.status, answer.body.code], path).toEqual([status, code]);
      }
      const unnamed = await as(operatorCookie, 'GET', `/v1/wallet/balance-history?${period()}`);
      expect([unnamed.status, unnamed.body.code]).toEqual([422, 'validation_failed']);
      const installation = await bridge.request('GET', `/v1/wallet/balance-history?${period()}`, { token: tenant.b.token });
      expect([installation.status, installation.body.account_id]).toEqual([200, tenant.b.accountId]);
    });
  });

  describe('rate card import preview', () => {
    const storedCards = async () => bridge.bridge.database.db.selectFrom('rate_cards').select('id').execute();
    const expectRefused = refusalsLeaving(storedCards);

    it('compares with the card in force market by market and stores nothing', async () => {
      const csv = metaCsv(
        (market, rates) =>
          market === 'Brazil'
            ? { ...rates, marketingMicro: rates.marketingMicro + 1_000, utilityMicro: rates.utilityMicro * 2 }
            : market === 'India'
              ? null
              : rates,
        ['"Atlantis",USD,0.1,0.01,0.01,n/a,0'],
      );
      const before = await storedCards();
      const answer = await preview(cardQuery, csv, asOperator());
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.card).toMatchObject({ id: 'meta-2099-01-01', origin: 'imported', in_force: false, imported_at: null });
      expect(answer.body.compared_with).toMatchObject({ id: 'pmp-2025-07-01', in_force: true });
      const markets = Object.keys(seedCard.rates).length;
      expect(answer.body.summary).toEqual({ added: 1, removed: 1, changed: 1, unchanged: markets - 2 });
      const brazil = seedCard.rates.Brazil as PerMessageRateCard['rates'][string];
      expect(answer.body.differences).toEqual([
        {
          market: 'Atlantis',
          change: 'added',
          rates: [
            { rate: 'marketing', before_micro_usd: null, after_micro_usd: 100_000 },
            { rate: 'utility', before_micro_usd: null, after_micro_usd: 10_000 },
            { rate: 'authentication', before_micro_usd: null, after_micro_usd: 10_000 },
            { rate: 'authentication_international', before_micro_usd: null, after_micro_usd: null },
            { rate: 'service', before_micro_usd: null, after_micro_usd: 0 },
          ],
        },
        {
          market: 'Brazil',
          change: 'changed',
          rates: [
            { rate: 'marketing', before_micro_usd: brazil.marketingMicro, after_micro_usd: brazil.marketingMicro + 1_000 },
            { rate: 'utility', before_micro_usd: brazil.utilityMicro, after_micro_usd: brazil.utilityMicro * 2 },
          ],
        },
        expect.objectContaining({ market: 'India', change: 'removed' }),
      ]);
      expect(await storedCards()).toEqual(before);
    });

    it('refuses what the import would refuse, and anyone but the operator', async () => {
      const same = metaCsv((_, rates) => rates);
      await expectRefused('rate_card_backdated', 422, () =>
        preview({ ...cardQuery, effective_from: '2020-01-01' }, same, asOperator()),
      );
      await expectRefused('invalid_rate_card', 422, () => preview(cardQuery, 'Market,Currency\r\nBrazil', asOperator()));
      await expectRefused('rate_card_exists', 409, () =>
        preview({ ...cardQuery, id: 'pmp-2025-07-01', effective_from: '2099-01-01' }, same, asOperator()),
      );
      await expectRefused('operator_required', 403, () => preview(cardQuery, same, { cookie: adminCookie, origin }));
      await expectRefused('admin_required', 403, () => preview(cardQuery, same, { authorization: `Bearer ${tenant.a.token}` }));
      const list = await as(adminCookie, 'GET', '/v1/pricing/rate-cards');
      expect([list.status, list.body.code]).toEqual([403, 'operator_required']);
    });
  });

  describe('an account admin’s wallet', () => {
    it('reads and changes its own account’s wallet, and nothing of another account’s', async () => {
      const mine = tenant.a.accountId;
      const other = tenant.b.accountId;
      const period = recent;
      for (const path of [
        `/v1/accounts/${mine}/wallet`,
        `/v1/wallet/ledger?kind=adjustment&helpdesk=zendesk&from=2000-01-01T00:00:00Z`,
        `/v1/wallet/ledger.csv?kind=adjustment`,
        `/v1/wallet/usage?${period}&group_by=day,category`,
        `/v1/wallet/reconciliation?${period}`,
        `/v1/wallet/payments`,
        `/v1/wallet/auto-recharge`,
        `/v1/wallet/balance-history?${period}`,
      ]) {
        const answer = await as(adminCookie, 'GET', path);
        expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
      }
      const before = await bridge.counts();
      for (const [method, path, json, status, code] of [
        ['GET', `/v1/accounts/${other}/wallet`, undefined, 404, 'not_found'],
        ['GET', `/v1/wallet/ledger.csv?account_id=${other}`, undefined, 422, 'unknown_account'],
        ['GET', `/v1/wallet/usage?${period}&account_id=${other}`, undefined, 422, 'unknown_account'],
        ['GET', `/v1/wallet/reconciliation?${period}&account_id=${other}`, undefined, 422, 'unknown_account'],
        ['GET', `/v1/wallet/payments?account_id=${other}`, undefined, 422, 'unknown_account'],
        ['GET', `/v1/wallet/auto-recharge?account_id=${other}`, undefined, 422, 'unknown_account'],
        [
          'PUT',
          '/v1/wallet/auto-recharge',
          { account_id: other, enabled: true, threshold: 10, amount: 100, payment_method: 'pm_sandbox_succeeds' },
          422,
          'unknown_account',
        ],
        [
          'POST',
          '/v1/wallet/checkout',
          { account_id: other, points: 100, payment_method: 'pm_sandbox_succeeds' },
          422,
          'unknown_account',
        ],
        [
          'PUT',
          '/v1/wallet/settings',
          { account_id: mine, currency: 'JPY', point_price_minor: 1, point_value_micro_usd: 1 },
          403,
          'operator_required',
        ],
        [
          'POST',
          '/v1/wallet/adjustments',
          { account_id: mine, points: 5, reason: 'x', reference: 'mine' },
          403,
          'operator_required',
        ],
      ] as const) {
        const answer = await bridge.request(method, path, {
          token: null,
          headers: { cookie: adminCookie, origin, 'idempotency-key': `key-${path}` },
          ...(json === undefined ? {} : { json }),
        });
        expect([answer.status, answer.body.code], `${method} ${path}`).toEqual([status, code]);
      }
      expect(await bridge.counts()).toEqual(before);
    });

    it('buys points for its own account with the receipt', async () => {
      const settings = await bridge.request('PUT', '/v1/wallet/settings', {
        json: {
          account_id: tenant.a.accountId,
          currency: 'JPY',
          point_price_minor: 2,
          tax_rate_basis_points: 1_000,
          point_value_micro_usd: 1_000,
        },
      });
      expect(settings.status).toBe(200);
      const bought = await bridge.request('POST', '/v1/wallet/checkout', {
        token: null,
        headers: { cookie: adminCookie, origin, 'idempotency-key': 'console-admin-buys' },
        json: { points: 500, payment_method: 'pm_sandbox_succeeds' },
      });
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
      expect(bought.body).toMatchObject({
        account_id: tenant.a.accountId,
        state: 'succeeded',
        purchase: { points: 500, subtotal: 1_000, currency: 'JPY' },
      });
      const receipt = bought.body.purchase;
      expect(receipt.tax).toBe(Math.round(((receipt.subtotal + receipt.fee) * 1_000) / 10_000));
      expect(receipt.total).toBe(receipt.subtotal + receipt.fee + receipt.tax);
      const declined = await bridge.request('POST', '/v1/wallet/checkout', {
        token: null,
        headers: { cookie: adminCookie, origin, 'idempotency-key': 'console-admin-declined' },
        json: { points: 500, payment_method: 'pm_sandbox_declined' },
      });
      expect([declined.status, declined.body.code]).toEqual([402, 'payment_failed']);
      const payments = await as(adminCookie, 'GET', '/v1/wallet/payments');
      expect(payments.body.data.map((payment: Json) => [payment.state, payment.failure?.code ?? null])).toEqual([
        ['failed', 'card_declined'],
        ['succeeded', null],
      ]);
    });
  });
});
