import { randomUUID } from 'node:crypto';
import { type PerMessageRateCard, parseRateCardCsv, seedRateCards } from '@wabridge/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { refusalsLeaving } from '../../test/support/problems.js';
import { priceAtCategory, quoteMessage } from '../src/pricing/quote.js';
import { importRateCard } from '../src/pricing/rate-cards.js';
import { loadPricingSettings } from '../src/wallet/settings.js';
import { backends } from './support/backends.js';
import { type HttpAnswer, startTestBridge, type TestBridge } from './support/bridge.js';

const seedCard = seedRateCards.find((card) => card.id === 'pmp-2025-07-01') as PerMessageRateCard;

/** Micro-units as the decimal Meta writes (`0.0068`); exact, since micro / 1e6 prints its shortest round-trip form. */
const decimal = (micro: number) => String(micro / 1_000_000);

/**
 * The seed card (shared/src/pricing/tables/pmp-2025-07-01.csv) rewritten in Meta's layout: a preamble line,
 * Meta's header, `n/a` where a market has no authentication-international rate, with utility doubled and
 * marketing up by $0.001.
 */
function metaCard(change: (market: string) => { utilityFactor: number } = () => ({ utilityFactor: 2 })): string {
  const rows = Object.entries(seedCard.rates).map(([market, rates]) => {
    const international = rates.authenticationInternationalMicro;
    return [
      `"${market}"`,
      'USD',
      decimal(rates.marketingMicro + 1_000),
      decimal(rates.utilityMicro * change(market).utilityFactor),
      decimal(rates.authenticationMicro),
      international === null ? 'n/a' : decimal(international),
      decimal(rates.serviceMicro),
    ].join(',');
  });
  return [
    'WhatsApp Business Platform rate card (USD), effective January 1, 2030',
    'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service',
    ...rows,
  ].join('\r\n');
}

/** `metaCard()` with line `line` (1-based, the preamble is line 1) replaced. */
function withLine(line: number, text: string): string {
  const lines = metaCard().split('\r\n');
  lines[line - 1] = text;
  return lines.join('\r\n');
}

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

const brazil = '+5511987650001';

/**
 * The bridge's time in these tests: after the reported rule set pmp-2026-10-01 takes effect and before the imported
 * cards (2030 on), so which rules apply never depends on the day the tests run.
 */
const testNow = '2026-11-16T09:00:00.000Z';

describe.each(backends)('rate cards and rule sets per account on $name', (backend) => {
  let bridge: TestBridge;
  let tenantA: { accountId: string; deploymentId: string; token: string };
  let tenantB: { accountId: string; deploymentId: string; token: string };
  const clock = new TestClock(testNow);
  const db = () => bridge.bridge.database.db;

  async function tenant(name: string) {
    const account = await bridge.request('POST', '/v1/accounts', { json: { name } });
    const deployment = (await bridge.createDeployment(account.body.id)).answer.body;
    const installation = await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
      json: { helpdesk: 'zendesk', instance: `${randomUUID().slice(0, 8)}.zendesk.com` },
    });
    const settings = await bridge.request('PUT', '/v1/wallet/settings', {
      json: { account_id: account.body.id, currency: 'USD', point_price_minor: 1, point_value_micro_usd: 1_000 },
    });
    expect(settings.status).toBe(200);
    return {
      accountId: account.body.id as string,
      deploymentId: deployment.id as string,
      token: installation.body.token as string,
    };
  }

  async function importCard(
    query: Record<string, string>,
    body: string | Uint8Array,
    options: { token?: string | null; contentType?: string } = {},
  ): Promise<HttpAnswer> {
    const token = options.token === undefined ? bridge.adminToken : options.token;
    const response = await fetch(`${bridge.url}/v1/pricing/rate-cards?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? 'text/csv',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : text };
  }

  /** Everything this feature stores, to assert that a refusal changed nothing. */
  async function storage() {
    const cards = await db().selectFrom('rate_cards').select(['id', 'content_sha256', 'csv']).orderBy('import_order').execute();
    const rules = await db().selectFrom('account_pricing_rules').selectAll().orderBy('account_id').execute();
    return { cards, rules };
  }

  const expectRefused = refusalsLeaving(storage);

  async function contact(
    deploymentId: string,
    phone: string,
    activity: { lastInboundAt?: Date; referralAt?: Date; firstReplyAt?: Date },
  ): Promise<void> {
    await db()
      .insertInto('contacts')
      .values({
        deployment_id: deploymentId,
        wa_id: phone.slice(1),
        last_inbound_at: activity.lastInboundAt ?? null,
        last_referral_inbound_at: activity.referralAt ?? null,
        first_reply_after_referral_at: activity.firstReplyAt ?? null,
      })
      .execute();
  }

  async function quoteAt(
    who: { accountId: string; deploymentId: string },
    to: string,
    content: { kind: 'template'; category: string } | { kind: 'free_form' },
    at: Date,
  ) {
    const settings = await loadPricingSettings(db(), who.accountId);
    return quoteMessage(db(), { deploymentId: who.deploymentId, to, content, settings: settings!, at });
  }

  const utilityTemplate = { kind: 'template', category: 'UTILITY' } as const;
  const importQuery = { id: 'meta-2030-01-01', effective_from: '2030-01-01', source: 'Meta rate card CSV (USD), test fixture' };

  beforeAll(async () => {
    bridge = await startTestBridge(backend, {}, { clock });
    tenantA = await tenant('Sakura Shoes');
    tenantB = await tenant('Momiji Books');
  });
  afterAll(async () => {
    await bridge?.close();
  });

  describe('rate card import', () => {
    it("imports Meta's CSV (preamble, n/a cells), lists it beside the seed cards and returns its rates", async () => {
      const answer = await importCard(importQuery, metaCard());
      expect(answer.status).toBe(201);
      expect(answer.headers.get('location')).toBe('/v1/pricing/rate-cards/meta-2030-01-01');
      expect(answer.body).toMatchObject({
        id: 'meta-2030-01-01',
        model: 'per_message',
        currency: 'USD',
        effective_from: '2030-01-01',
        origin: 'imported',
        in_force: false,
        markets: Object.keys(seedCard.rates).length,
      });
      const rates = new Map(answer.body.rates.map((row: Json) => [row.market, row]));
      expect(rates.get('Brazil')).toEqual({
        market: 'Brazil',
        marketing_micro_usd: 63_500,
        utility_micro_usd: 13_600,
        authentication_micro_usd: 6_800,
        authentication_international_micro_usd: null,
        service_micro_usd: 0,
      });
      expect(rates.get('Egypt')).toMatchObject({ authentication_international_micro_usd: 65_000 });

      const list = await bridge.request('GET', '/v1/pricing/rate-cards');
      expect(list.status).toBe(200);
      expect(list.body.data.map((card: Json) => [card.id, card.origin, card.in_force])).toEqual([
        ['cbp-2022-02-01', 'seed', true],
        ['pmp-2025-07-01', 'seed', true],
        ['meta-2030-01-01', 'imported', false],
      ]);
      expect((await bridge.request('GET', '/v1/pricing/rate-cards/meta-2030-01-01')).body).toEqual(answer.body);
      const seed = await bridge.request('GET', '/v1/pricing/rate-cards/pmp-2025-07-01');
      expect(seed.body).toMatchObject({ origin: 'seed', imported_at: null });
      expect(seed.body.rates.find((row: Json) => row.market === 'Brazil').utility_micro_usd).toBe(6_800);
    });

    it('answers the same card again with the stored one, and refuses other content under a taken id', async () => {
      const before = await storage();
      // The same rates with rows in another order and LF line ends: the same card.
      const [preamble, header, ...rows] = metaCard().split('\r\n');
      const again = await importCard(importQuery, [preamble, header, ...rows.reverse()].join('\n'));
      expect(again.status).toBe(201);
      expect(again.body).toEqual((await bridge.request('GET', '/v1/pricing/rate-cards/meta-2030-01-01')).body);
      expect(await storage()).toEqual(before);

      const changed = await expectRefused('rate_card_exists', 409, () =>
        importCard(
          importQuery,
          metaCard(() => ({ utilityFactor: 3 })),
        ),
      );
      expect(changed.rate_card).toBe('meta-2030-01-01');
      await expectRefused('rate_card_exists', 409, () => importCard({ ...importQuery, source: 'another source' }, metaCard()));
      await expectRefused('rate_card_exists', 409, () =>
        importCard({ ...importQuery, id: 'pmp-2025-07-01', effective_from: '2030-02-01' }, metaCard()),
      );
    });

    it('stores one card when the same import races itself, and refuses the loser of a race on one id', async () => {
      const query = { ...importQuery, id: 'race-2031-01-01', effective_from: '2031-01-01' };
      const same = await Promise.all([importCard(query, metaCard()), importCard(query, metaCard())]);
      expect(same.map((answer) => answer.status)).toEqual([201, 201]);
      const other = { ...query, id: 'race-2031-02-01', effective_from: '2031-02-01' };
      const different = await Promise.all([
        importCard(other, metaCard()),
        importCard(
          other,
          metaCard(() => ({ utilityFactor: 3 })),
        ),
      ]);
      expect(different.map((answer) => answer.status).sort()).toEqual([201, 409]);
      const ids = (await storage()).cards.map((card) => card.id);
      expect(ids.filter((id) => id.startsWith('race-'))).toEqual(['race-2031-01-01', 'race-2031-02-01']);
    });

    it('refuses malformed files naming the line and cell, and stores nothing', async () => {
      const cases: [string, string, number, number | null][] = [
        ['a wrong header', withLine(2, 'Market,Currency,Marketing,Utility,Authentication,Service'), 1, null],
        // Line 5 is Chile's row.
        ['a bad number', withLine(5, '"Chile",USD,0.0899,abc,0.02,n/a,0'), 5, 4],
        ['a negative rate', withLine(5, '"Chile",USD,-0.0899,0.04,0.02,n/a,0'), 5, 3],
        ['n/a outside Authentication-International', withLine(5, '"Chile",USD,n/a,0.04,0.02,n/a,0'), 5, 3],
        ['a duplicate market', withLine(5, '"Brazil",USD,0.0899,0.04,0.02,n/a,0'), 5, 1],
        ['a short row', withLine(5, '"Chile",USD,0.0899,0.04'), 5, 5],
        ['mixed currencies', withLine(5, '"Chile",EUR,0.0899,0.04,0.02,n/a,0'), 5, 2],
      ];
      for (const [what, csv, line, column] of cases) {
        const problem = await expectRefused('invalid_rate_card', 422, () =>
          importCard({ ...importQuery, id: 'broken-2030-03-01' }, csv),
        );
        expect({ what, line: problem.line, column: problem.column }).toEqual({ what, line, column });
        expect(problem.detail).toContain(`line ${line}`);
      }
      const withoutOther = metaCard()
        .split('\r\n')
        .filter((row) => !row.startsWith('"Other"'))
        .join('\r\n');
      const noOther = await expectRefused('invalid_rate_card', 422, () =>
        importCard({ ...importQuery, id: 'broken-2030-03-01' }, withoutOther),
      );
      expect(noOther.detail).toContain('"Other"');
      const euros = metaCard().replaceAll(',USD,', ',EUR,');
      expect(
        (await expectRefused('invalid_rate_card', 422, () => importCard({ ...importQuery, id: 'broken-2030-03-01' }, euros)))
          .detail,
      ).toContain('EUR');
      const latin1 = new Uint8Array([...new TextEncoder().encode(metaCard()), 0xe9]);
      await expectRefused('invalid_rate_card', 422, () => importCard({ ...importQuery, id: 'broken-2030-03-01' }, latin1));
      await expectRefused('invalid_rate_card', 422, () => importCard({ ...importQuery, id: 'broken-2030-03-01' }, ''));
      // U+0000 anywhere, even in the preamble the reader skips: the CSV is stored as sent, and PostgreSQL's text cannot hold it.
      for (const [csv, line, column] of [
        [withLine(1, 'WhatsApp rate card\u0000 (USD)'), 1, 1],
        [withLine(4, '"Brazil\u0000",USD,0.0625,0.0068,0.0068,n/a,0'), 4, 1],
      ] as const) {
        const nul = await expectRefused('invalid_rate_card', 422, () =>
          importCard({ ...importQuery, id: 'broken-2030-03-01' }, csv),
        );
        expect({ line: nul.line, column: nul.column, issue: nul.issue }).toEqual({ line, column, issue: 'invalid_text' });
      }
      await expectRefused('payload_too_large', 413, () =>
        importCard({ ...importQuery, id: 'broken-2030-03-01' }, `${metaCard()}\r\n${'x'.repeat(300 * 1024)}`),
      );
    });

    it('refuses a card whose effective date has started anywhere: no price already given may move', async () => {
      const today = clock.now().toISOString().slice(0, 10);
      for (const effective_from of ['2025-07-01', today]) {
        const problem = await expectRefused('rate_card_backdated', 422, () =>
          importCard({ ...importQuery, id: 'late-card', effective_from }, metaCard()),
        );
        expect(problem.effective_from).toBe(effective_from);
      }
      // A day starts first in UTC+14: 2040-03-02 begins there at 2040-03-01T10:00Z.
      const card = (id: string) => parseRateCardCsv(metaCard(), { id, effectiveFrom: '2040-03-02', source: 'test' });
      await expect(importRateCard(db(), card('late-2040'), metaCard(), new Date('2040-03-01T10:00:00.000Z'))).rejects.toThrow(
        /rate_card_backdated/,
      );
      const inTime = await importRateCard(db(), card('early-2040'), metaCard(), new Date('2040-03-01T09:59:59.999Z'));
      expect(inTime).toMatchObject({ origin: 'imported', card: { id: 'early-2040' } });
    });

    it('validates the query against the contract', async () => {
      const invalid: [Record<string, string>, string][] = [
        [{ ...importQuery, id: 'Has Spaces' }, 'query.id'],
        [{ ...importQuery, effective_from: '2030-02-30' }, 'query.effective_from'],
        [{ ...importQuery, source: '  ' }, 'query.source'],
        [{ id: 'x-2030', effective_from: '2030-01-01' }, 'query.source'],
        [{ ...importQuery, model: 'per_message' }, 'query'],
      ];
      for (const [query, path] of invalid) {
        const problem = await expectRefused('validation_failed', 422, () => importCard(query, metaCard()));
        expect(problem.errors.map((issue: Json) => issue.path)).toContain(path);
      }
    });

    it('keeps imported cards immutable in the database too', async () => {
      await expect(sql`update rate_cards set source = 'edited'`.execute(db())).rejects.toThrow(/append-only/);
      await expect(sql`delete from rate_cards`.execute(db())).rejects.toThrow(/append-only/);
    });

    it('is for the administrator only', async () => {
      await expectRefused('admin_required', 403, () => importCard(importQuery, metaCard(), { token: tenantA.token }));
      await expectRefused('unauthorized', 401, () => importCard(importQuery, metaCard(), { token: null }));
      for (const path of ['/v1/pricing/rate-cards', '/v1/pricing/rate-cards/pmp-2025-07-01', '/v1/pricing/rule-sets']) {
        await expectRefused('admin_required', 403, () => bridge.request('GET', path, { token: tenantA.token }));
      }
      await expectRefused('not_found', 404, () => bridge.request('GET', '/v1/pricing/rate-cards/no-such-card'));
      await expectRefused('not_found', 404, () => bridge.request('GET', '/v1/pricing/rate-cards/NOT%20AN%20ID'));
    });
  });

  describe('pricing with the cards in force', () => {
    it('quotes with the seed card before the imported card takes effect and with the imported one from then', async () => {
      const before = await quoteAt(tenantA, brazil, utilityTemplate, new Date('2029-12-31T23:59:59.999Z'));
      expect(before).toMatchObject({ rate_card: 'pmp-2025-07-01', rate_micro_usd: 6_800, points: 7 });
      const after = await quoteAt(tenantA, brazil, utilityTemplate, new Date('2030-01-01T00:00:00.000Z'));
      expect(after).toMatchObject({ rate_card: 'meta-2030-01-01', rate_micro_usd: 13_600, points: 14 });
      const now = await bridge.request('GET', `/v1/pricing/quote?to=${encodeURIComponent(brazil)}&text=1`, {
        token: tenantA.token,
      });
      expect(now.status).toBe(409); // no window with this customer yet: free-form cannot be priced
    });

    it('starts the card at midnight in the account’s pricing time zone', async () => {
      const put = await bridge.request('PUT', `/v1/accounts/${tenantA.accountId}/pricing`, {
        json: { enabled_rule_sets: [], time_zone: 'Asia/Tokyo' },
      });
      expect(put.status).toBe(200);
      const tokyoMidnight = new Date('2029-12-31T15:00:00.000Z');
      expect((await quoteAt(tenantA, brazil, utilityTemplate, tokyoMidnight)).rate_card).toBe('meta-2030-01-01');
      expect((await quoteAt(tenantA, brazil, utilityTemplate, new Date(tokyoMidnight.getTime() - 1))).rate_card).toBe(
        'pmp-2025-07-01',
      );
      expect((await quoteAt(tenantB, brazil, utilityTemplate, tokyoMidnight)).rate_card).toBe('pmp-2025-07-01');
      await bridge.request('PUT', `/v1/accounts/${tenantA.accountId}/pricing`, { json: { enabled_rule_sets: [] } });
    });

    it('sees a card another process stored at the next quote (no stale cache)', async () => {
      const at = new Date('2032-06-01T00:00:00.000Z');
      expect((await quoteAt(tenantA, brazil, utilityTemplate, at)).rate_card).toBe('race-2031-02-01');
      // Written as another bridge process would, behind this process's back.
      await db()
        .insertInto('rate_cards')
        .values({
          id: 'elsewhere-2032-01-01',
          model: 'per_message',
          currency: 'USD',
          effective_from: '2032-01-01',
          source: 'imported through another process',
          rates: JSON.stringify(seedCard.rates),
          content_sha256: 'a'.repeat(64),
          csv: 'not kept',
        })
        .execute();
      expect(await quoteAt(tenantA, brazil, utilityTemplate, at)).toMatchObject({
        rate_card: 'elsewhere-2032-01-01',
        rate_micro_usd: 6_800,
      });
    });

    it('reprices a recategorised capture with the card and rule set its hold recorded', async () => {
      const settings = (await loadPricingSettings(db(), tenantA.accountId))!;
      const at = new Date('2030-06-01T00:00:00.000Z');
      const input = { accountId: tenantA.accountId, to: brazil, category: 'utility', at, settings };
      const held = await priceAtCategory(db(), {
        ...input,
        pricedWith: { rateCardId: 'pmp-2025-07-01', ruleSetId: 'pmp-2025-07-01' },
      });
      expect(held).toMatchObject({ rate_card: 'pmp-2025-07-01', rate_micro_usd: 6_800 });
      const unknown = await priceAtCategory(db(), { ...input, pricedWith: { rateCardId: 'gone', ruleSetId: 'gone' } });
      expect(unknown).toMatchObject({ rate_card: 'meta-2030-01-01', rate_micro_usd: 13_600 });
    });
  });

  describe('rule sets per account', () => {
    const phoneA = '+5511987650101';
    const phoneB = '+5511987650102';
    const lastSeptember = '+5511987650103';
    const referred = '+5511987650104';
    const hourMs = 3_600_000;

    beforeAll(async () => {
      await contact(tenantA.deploymentId, phoneA, { lastInboundAt: clock.ago(hourMs) });
      await contact(tenantB.deploymentId, phoneB, { lastInboundAt: clock.ago(hourMs) });
      await contact(tenantA.deploymentId, lastSeptember, { lastInboundAt: new Date('2026-09-30T11:00:00.000Z') });
      await contact(tenantA.deploymentId, referred, {
        lastInboundAt: clock.ago(2 * hourMs),
        referralAt: clock.ago(2 * hourMs),
        firstReplyAt: clock.ago(hourMs),
      });
    });

    const quoteReply = (who: { token: string }, phone: string) =>
      bridge.request('GET', `/v1/pricing/quote?to=${encodeURIComponent(phone)}&text=1`, { token: who.token });

    it('lists the rule sets with their status', async () => {
      const answer = await bridge.request('GET', '/v1/pricing/rule-sets');
      expect(answer.status).toBe(200);
      expect(
        answer.body.data.map((ruleSet: Json) => [ruleSet.id, ruleSet.model, ruleSet.effective_from, ruleSet.status]),
      ).toEqual([
        ['cbp-2022-02-01', 'conversation', '2022-02-01', 'published'],
        ['pmp-2025-07-01', 'per_message', '2025-07-01', 'published'],
        ['pmp-2026-10-01', 'per_message', '2026-10-01', 'reported'],
      ]);
    });

    it('charges one account’s in-window replies and utility templates at the utility rate from 2026-10-01', async () => {
      expect((await bridge.request('GET', `/v1/accounts/${tenantA.accountId}/pricing`)).body).toMatchObject({
        account_id: tenantA.accountId,
        enabled_rule_sets: [],
        time_zone: 'UTC',
      });
      expect((await quoteReply(tenantA, phoneA)).body).toMatchObject({ points: 0, free_reason: 'customer_service_window' });

      const put = await bridge.request('PUT', `/v1/accounts/${tenantA.accountId}/pricing`, {
        json: { enabled_rule_sets: ['pmp-2026-10-01'] },
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ enabled_rule_sets: ['pmp-2026-10-01'], time_zone: 'UTC', updated_at: expect.any(String) });
      expect((await bridge.request('GET', `/v1/accounts/${tenantA.accountId}/pricing`)).body).toEqual(put.body);

      const reply = await quoteReply(tenantA, phoneA);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        category: 'service',
        free_reason: null,
        rule_set: 'pmp-2026-10-01',
        rate_micro_usd: 6_800,
        points: 7,
      });
      expect(await quoteAt(tenantA, phoneA, utilityTemplate, clock.now())).toMatchObject({
        category: 'utility',
        free_reason: null,
        rule_set: 'pmp-2026-10-01',
        rate_micro_usd: 6_800,
      });
      // The other account keeps the published rules.
      expect((await quoteReply(tenantB, phoneB)).body).toMatchObject({
        points: 0,
        free_reason: 'customer_service_window',
        rule_set: 'pmp-2025-07-01',
      });
      expect(await quoteAt(tenantB, phoneB, utilityTemplate, clock.now())).toMatchObject({
        points: 0,
        free_reason: 'customer_service_window',
      });
    });

    it('applies the rule set from its effective date only', async () => {
      const lastDayOfSeptember = new Date('2026-09-30T12:00:00.000Z');
      expect(await quoteAt(tenantA, lastSeptember, { kind: 'free_form' }, lastDayOfSeptember)).toMatchObject({
        rule_set: 'pmp-2025-07-01',
        points: 0,
        free_reason: 'customer_service_window',
      });
      const firstOfOctober = new Date('2026-10-01T00:00:00.000Z');
      expect(await quoteAt(tenantA, lastSeptember, { kind: 'free_form' }, firstOfOctober)).toMatchObject({
        rule_set: 'pmp-2026-10-01',
        points: 7,
      });
      expect(await quoteAt(tenantA, lastSeptember, utilityTemplate, firstOfOctober)).toMatchObject({
        rule_set: 'pmp-2026-10-01',
        points: 7,
      });
    });

    it('keeps a free entry point free', async () => {
      expect((await quoteReply(tenantA, referred)).body).toMatchObject({
        points: 0,
        free_reason: 'free_entry_point',
        rule_set: 'pmp-2026-10-01',
      });
      expect(await quoteAt(tenantA, referred, utilityTemplate, clock.now())).toMatchObject({ free_reason: 'free_entry_point' });
    });

    it('returns the account to the published rules when the rule set is disabled', async () => {
      await bridge.request('PUT', `/v1/accounts/${tenantA.accountId}/pricing`, { json: { enabled_rule_sets: [] } });
      expect((await quoteReply(tenantA, phoneA)).body).toMatchObject({ points: 0, rule_set: 'pmp-2025-07-01' });
    });

    it('refuses unknown, published and repeated rule sets, unknown time zones and accounts, and tenants', async () => {
      const path = `/v1/accounts/${tenantA.accountId}/pricing`;
      const invalid: [unknown, string][] = [
        [{ enabled_rule_sets: ['pmp-2099-01-01'] }, 'unknown_rule_set'],
        [{ enabled_rule_sets: ['pmp-2025-07-01'] }, 'rule_set_published'],
        [{ enabled_rule_sets: ['pmp-2026-10-01', 'pmp-2026-10-01'] }, 'duplicate_rule_set'],
        [{ enabled_rule_sets: [], time_zone: 'Mars/Olympus_Mons' }, 'custom'],
        [{ time_zone: 'UTC' }, 'required'],
        [{ enabled_rule_sets: [], extra: 1 }, 'unknown_field'],
      ];
      for (const [json, issue] of invalid) {
        const problem = await expectRefused('validation_failed', 422, () => bridge.request('PUT', path, { json }));
        expect(problem.errors.map((error: Json) => error.code)).toContain(issue);
      }
      const json = { enabled_rule_sets: ['pmp-2026-10-01'] };
      await expectRefused('not_found', 404, () =>
        bridge.request('PUT', '/v1/accounts/acc_000000000000000000000000/pricing', { json }),
      );
      await expectRefused('not_found', 404, () => bridge.request('GET', '/v1/accounts/acc_000000000000000000000000/pricing'));
      await expectRefused('admin_required', 403, () => bridge.request('PUT', path, { json, token: tenantA.token }));
      await expectRefused('admin_required', 403, () =>
        bridge.request('PUT', `/v1/accounts/${tenantB.accountId}/pricing`, { json, token: tenantA.token }),
      );
      await expectRefused('admin_required', 403, () => bridge.request('GET', path, { token: tenantA.token }));
    });
  });
});

/** Several bridge processes on one database: PGlite is one process's embedded database, so PostgreSQL only. */
const postgres = backends.filter((backend) => backend.name === 'postgres');

describe.each(postgres)('pricing configuration across two bridge processes on $name', (backend) => {
  let first: TestBridge;
  let second: TestBridge;
  const clock = new TestClock(testNow);

  beforeAll(async () => {
    first = await startTestBridge(backend, {}, { clock });
    second = await startTestBridge(
      backend,
      {},
      { database: first.database, adminToken: first.adminToken, encryptionKey: first.config.encryptionKey, clock },
    );
  });
  afterAll(async () => {
    await second?.close({ keepDatabase: true });
    await first?.close();
  });

  it('sees a card imported and a rule set enabled on the other process at once', async () => {
    const account = (await first.request('POST', '/v1/accounts', { json: { name: 'Replica Retail' } })).body;
    const deployment = (await first.createDeployment(account.id)).answer.body;
    await first.request('PUT', '/v1/wallet/settings', {
      json: { account_id: account.id, currency: 'USD', point_price_minor: 1, point_value_micro_usd: 1_000 },
    });
    const settings = (await loadPricingSettings(second.bridge.database.db, account.id))!;
    const quoteOnSecond = (at: Date, content: { kind: 'template'; category: string } | { kind: 'free_form' }) =>
      quoteMessage(second.bridge.database.db, { deploymentId: deployment.id, to: brazil, content, settings, at });
    const at = new Date('2030-01-02T00:00:00.000Z');
    expect((await quoteOnSecond(at, { kind: 'template', category: 'UTILITY' })).rate_card).toBe('pmp-2025-07-01');

    const csv = metaCard();
    const imported = await fetch(
      `${first.url}/v1/pricing/rate-cards?${new URLSearchParams({ id: 'replica-2030-01-01', effective_from: '2030-01-01', source: 'test' })}`,
      { method: 'POST', headers: { authorization: `Bearer ${first.adminToken}`, 'content-type': 'text/csv' }, body: csv },
    );
    expect(imported.status).toBe(201);
    expect((await second.request('GET', '/v1/pricing/rate-cards')).body.data.map((card: Json) => card.id)).toContain(
      'replica-2030-01-01',
    );
    expect(await quoteOnSecond(at, { kind: 'template', category: 'UTILITY' })).toMatchObject({
      rate_card: 'replica-2030-01-01',
      rate_micro_usd: 13_600,
    });

    await second.bridge.database.db
      .insertInto('contacts')
      .values({ deployment_id: deployment.id, wa_id: brazil.slice(1), last_inbound_at: clock.ago(3_600_000) })
      .execute();
    const put = await second.request('PUT', `/v1/accounts/${account.id}/pricing`, {
      json: { enabled_rule_sets: ['pmp-2026-10-01'] },
    });
    expect(put.status).toBe(200);
    const settingsOnFirst = (await loadPricingSettings(first.bridge.database.db, account.id))!;
    const reply = await quoteMessage(first.bridge.database.db, {
      deploymentId: deployment.id,
      to: brazil,
      content: { kind: 'free_form' },
      settings: settingsOnFirst,
      at: clock.now(),
    });
    expect(reply).toMatchObject({ rule_set: 'pmp-2026-10-01', points: 7 });
  });
});
