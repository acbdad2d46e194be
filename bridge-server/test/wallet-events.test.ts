import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditWallets } from '../src/wallet/audit.js';
import { recordWalletEvent } from '../src/wallet/events.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { expectedPrices } from './support/rates.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, postMetaStatus, utilityConsent, worldNumber } from './support/wallet.js';

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

/** Fast retries and a short timeout, and a receiver on this machine (plain http on 127.0.0.1). */
const webhookEnvironment = {
  WALLET_WEBHOOK_ALLOW_HTTP: 'true',
  WALLET_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
  WALLET_WEBHOOK_TIMEOUT_MS: '300',
  WALLET_WEBHOOK_RETRY_DELAY_MS: '20',
  WALLET_WEBHOOK_ATTEMPTS_MAX: '5',
};

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A webhook receiver: records every request's raw bytes; answers as `answers` says (200 once they run out). */
async function startReceiver() {
  const received: Received[] = [];
  const answers: ('500' | 'hang' | '200')[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, raw: Buffer.concat(chunks) });
      const answer = answers.shift() ?? '200';
      if (answer === 'hang') return;
      response.writeHead(Number(answer)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    answers,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/wallet`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Verifies X-Wabridge-Signature as a receiver would: HMAC-SHA256 of "<t>.<raw body>", compared in constant time. */
function signatureValid(secret: string, request: Received): boolean {
  const header = String(request.headers['x-wabridge-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) return false;
  const expected = createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${match[1]}.`), request.raw]))
    .digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex')) && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

describe.each(backends)('wallet events on $name', (backend) => {
  let world: SandboxBridge;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let accountId: string;
  let templatePoints: number;
  const db = () => world.bridge.bridge.database.db;
  const admin = (method: string, path: string, json?: unknown) => world.bridge.request(method, path, { json });
  /** The latest wallet-event webhook delivery (a job). */
  const delivery = () =>
    db()
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'wallet_event_webhook')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
  const installation = (method: string, path: string, token = world.token) => world.bridge.request(method, path, { token });
  const buy = (points: number) =>
    admin('POST', '/v1/wallet/purchases', { account_id: accountId, points, payment_reference: `pay_${randomUUID()}` });
  const events = async (query = '') => (await installation('GET', `/v1/wallet/events${query}`)).body;
  const optIn = (phone: string) =>
    world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
      token: world.token,
      json: utilityConsent(),
    });
  /** A paid utility template to a customer whose window is closed: holds `templatePoints`. */
  async function sendPaid(phone: string): Promise<Json> {
    await optIn(phone);
    const answer = await world.send({
      to: phone,
      template: orderConfirmationTemplate,
    });
    expect(answer.status).toBe(202);
    return answer.body;
  }
  /** Meta's status for a message, signed as Meta signs it: `failed` releases the hold, a billable `delivered` captures it. */
  const metaStatus = (message: Json, status: 'failed' | 'delivered') =>
    postMetaStatus(
      world,
      worldNumber(world),
      message,
      status,
      status === 'failed' ? null : { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' },
    );

  beforeAll(async () => {
    receiver = await startReceiver();
    world = await startSandboxBridge(backend, { environment: webhookEnvironment });
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    accountId = (await installation('GET', '/v1/accounts')).body.data[0].id;
    const settings = await admin('PUT', '/v1/wallet/settings', {
      account_id: accountId,
      currency: 'JPY',
      point_price_minor: 3,
      point_value_micro_usd: 1_000,
    });
    expect(settings.status).toBe(200);
    const quote = await installation(
      'GET',
      `/v1/pricing/quote?to=${encodeURIComponent('+819055559999')}&template=order_confirmation&language=ja`,
    );
    // The figure comes from the rate card (support/rates.ts), not from the bridge's quote, which must agree with it.
    templatePoints = expectedPrices.japan.utilityPointsAt1000MicroUsd;
    expect(quote.body.points).toBe(templatePoints);
  });
  afterEach(async () => {
    // Knobs set by a test are reset here, whether it passed or failed, so none leaks into the next.
    await world.control('DELETE', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`);
    await world.bridge.bridge.processor.drain();
    expect(await auditWallets(db())).toEqual([]);
  });
  afterAll(async () => {
    await world?.close();
    await receiver?.close();
  });

  it('announces the low balance and the empty wallet once per descent, from real holds, releases and captures', async () => {
    const p = templatePoints;
    const threshold = 2 * p;
    // Meta's own statuses wait: only the statuses posted below settle these messages.
    await world.control('PUT', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`, {
      statusDelaysMs: { sent: 600_000, delivered: 600_000, read: 600_000 },
    });
    const set = await admin('PUT', '/v1/wallet/notifications', {
      account_id: accountId,
      low_balance_threshold: threshold,
      webhook_url: null,
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      account_id: accountId,
      low_balance_threshold: threshold,
      webhook_url: null,
      pending_deliveries: 0,
      last_delivery_error: null,
    });
    const kinds = async () => (await events('?kind=low_balance,balance_depleted')).data.map((event: Json) => event.type);

    await buy(3 * p);
    const a = await sendPaid('+819055510001'); // available 2p: at the threshold, not under it
    expect(await kinds()).toEqual([]);
    const b = await sendPaid('+819055510002'); // available p: under it
    expect(await kinds()).toEqual(['low_balance']);
    expect((await events()).data[0].data).toEqual({ available: p, balance: 3 * p, reserved: 2 * p, threshold });
    expect((await installation('GET', '/v1/wallet')).body).toMatchObject({
      available: p,
      low_balance_threshold: threshold,
      low: true,
      payment_problem: null,
    });

    // A release brings the available balance back to the threshold, but adds no points: the next hold says nothing.
    await metaStatus(b, 'failed');
    expect((await installation('GET', '/v1/wallet')).body).toMatchObject({ available: 2 * p, low: false });
    const c = await sendPaid('+819055510003');
    expect(await kinds()).toEqual(['low_balance']);
    const d = await sendPaid('+819055510004'); // available 0
    expect(await kinds()).toEqual(['balance_depleted', 'low_balance']);
    expect((await events('?kind=balance_depleted')).data[0].data).toEqual({
      available: 0,
      balance: 3 * p,
      reserved: 3 * p,
      threshold,
    });
    for (const message of [a, c, d]) await metaStatus(message, 'delivered');
    expect((await installation('GET', '/v1/wallet')).body).toMatchObject({ balance: 0, reserved: 0, available: 0 });
    expect(await kinds()).toEqual(['balance_depleted', 'low_balance']);

    // Points bought back to the threshold re-arm both: the next descent is announced again.
    await buy(3 * p);
    await sendPaid('+819055510005');
    await sendPaid('+819055510006');
    expect(await kinds()).toEqual(['low_balance', 'balance_depleted', 'low_balance']);
  });

  it('delivers every event signed to the account’s webhook, retrying after a 500 and a timeout', async () => {
    const set = await admin('PUT', '/v1/wallet/notifications', {
      account_id: accountId,
      low_balance_threshold: 100,
      webhook_url: receiver.url,
    });
    expect(set.status).toBe(200);
    const secret: string = set.body.webhook_secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    // Set again without rotating: the secret is not answered again, and stays the same.
    const again = await admin('PUT', '/v1/wallet/notifications', {
      account_id: accountId,
      low_balance_threshold: 100,
      webhook_url: receiver.url,
    });
    expect(again.body).not.toHaveProperty('webhook_secret');

    receiver.answers.push('500', 'hang');
    receiver.received.length = 0;
    await recordWalletEvent(db(), {
      accountId,
      kind: 'payment_failed',
      data: { payment_id: 'pay_1', reason: 'card_declined' },
    });
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(3);
    await expect.poll(async () => (await delivery()).status, { timeout: 5_000 }).toBe('done');
    expect(await delivery()).toMatchObject({ attempts: 3, last_error: null });

    const [first, ...retries] = receiver.received;
    const event = JSON.parse(first!.raw.toString('utf8'));
    expect(Object.keys(event).sort()).toEqual(['account_id', 'created_at', 'data', 'id', 'type']);
    expect(event).toMatchObject({
      type: 'payment_failed',
      account_id: accountId,
      data: { payment_id: 'pay_1', reason: 'card_declined' },
    });
    for (const request of receiver.received) {
      expect(signatureValid(secret, request)).toBe(true);
      expect(request.headers['x-wabridge-event-id']).toBe(event.id);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.raw.equals(first!.raw)).toBe(true);
    }
    expect(signatureValid(`${secret}x`, first!)).toBe(false);
    expect(retries).toHaveLength(2);

    // The apps see the same event, and the unresolved payment problem on the wallet until a payment succeeds.
    expect((await events('?limit=1')).data[0]).toEqual(event);
    expect((await installation('GET', '/v1/wallet')).body.payment_problem).toEqual(event);
    await recordWalletEvent(db(), { accountId, kind: 'payment_succeeded', data: { payment_id: 'pay_2' } });
    expect((await installation('GET', '/v1/wallet')).body.payment_problem).toBeNull();

    // Rotating answers a new secret once; later deliveries are signed with it.
    const rotated = await admin('PUT', '/v1/wallet/notifications', {
      account_id: accountId,
      low_balance_threshold: 100,
      webhook_url: receiver.url,
      rotate_secret: true,
    });
    expect(rotated.body.webhook_secret).toMatch(/^whsec_/);
    expect(rotated.body.webhook_secret).not.toBe(secret);
    await world.bridge.bridge.jobs.drain();
    await recordWalletEvent(db(), { accountId, kind: 'auto_recharge_paused', data: {} });
    await expect
      .poll(() => receiver.received.filter((request) => request.raw.includes('auto_recharge_paused')).length, {
        timeout: 5_000,
      })
      .toBe(1);
    const paused = receiver.received.find((request) => request.raw.includes('auto_recharge_paused'))!;
    expect(signatureValid(rotated.body.webhook_secret, paused)).toBe(true);

    // Neither secret is answered by any GET nor written to any log line.
    const answers = [
      await admin('GET', `/v1/wallet/notifications?account_id=${accountId}`),
      await installation('GET', '/v1/wallet'),
      await installation('GET', '/v1/wallet/events?limit=200'),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const value of [secret, rotated.body.webhook_secret, 'webhook_secret']) {
        expect(JSON.stringify(answer.body)).not.toContain(value);
      }
    }
    expect(world.bridge.logs()).not.toContain(secret);
    expect(world.bridge.logs()).not.toContain(rotated.body.webhook_secret);
    const stored = await db()
      .selectFrom('wallet_notification_settings')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    expect(stored.webhook_secret_sealed).not.toContain(rotated.body.webhook_secret);
  });

  it('gives up after the last attempt and records why: a dead job an administrator can replay', async () => {
    await world.bridge.bridge.jobs.drain();
    receiver.answers.push('500', '500', '500', '500', '500');
    await recordWalletEvent(db(), { accountId, kind: 'payment_pending', data: {} });
    await expect.poll(async () => (await delivery()).finished_at, { timeout: 15_000 }).not.toBeNull();
    expect(await delivery()).toMatchObject({
      status: 'dead',
      attempts: 5,
      last_error: 'gave up after 5 attempts: the receiver answered HTTP 500',
    });
    const settings = (await admin('GET', `/v1/wallet/notifications?account_id=${accountId}`)).body;
    expect(settings).toMatchObject({
      pending_deliveries: 0,
      last_delivery_error: 'gave up after 5 attempts: the receiver answered HTTP 500',
    });

    // Replayed, it is delivered (the receiver answers 200 again), with its attempts counted afresh.
    const dead = await delivery();
    const replayed = await admin('POST', `/v1/jobs/${dead.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: String(dead.id), status: 'queued', attempts: 0 });
    await expect.poll(async () => (await delivery()).status, { timeout: 5_000 }).toBe('done');
    expect(await delivery()).toMatchObject({ attempts: 1, last_error: null });
  });

  it('shows each installation only its own account’s events, newest first, page by page', async () => {
    const other = await admin('POST', '/v1/accounts', { name: 'Other Shop' });
    const deployment = (await world.bridge.createDeployment(other.body.id, {}, { sandbox: world.sandbox })).answer.body;
    const otherToken = (
      await admin('POST', `/v1/deployments/${deployment.id}/installations`, {
        helpdesk: 'zendesk',
        instance: `${randomUUID().slice(0, 8)}.zendesk.com`,
      })
    ).body.token as string;
    await recordWalletEvent(db(), { accountId: other.body.id, kind: 'payment_failed', data: { payment_id: 'theirs' } });

    const theirs = (await installation('GET', '/v1/wallet/events', otherToken)).body;
    expect(theirs.data.map((event: Json) => event.data.payment_id)).toEqual(['theirs']);
    expect((await installation('GET', '/v1/wallet', otherToken)).body.payment_problem.data.payment_id).toBe('theirs');
    const ours = await events('?limit=200');
    expect(ours.data.length).toBeGreaterThan(3);
    expect(ours.data.every((event: Json) => event.account_id === accountId)).toBe(true);

    // Pages of 2, newest first, cover the same events without gaps or repeats.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await events(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      paged.push(...page.data.map((event: Json) => event.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual(ours.data.map((event: Json) => event.id));
    expect([...paged].sort((x, y) => Number(y) - Number(x))).toEqual(paged);
    // Another account's cursor reads nothing of ours beyond our own events.
    const fromTheirCursor = (
      await installation(
        'GET',
        `/v1/wallet/events?cursor=${Buffer.from(String(Number(theirs.data[0].id) + 1)).toString('base64url')}`,
        otherToken,
      )
    ).body;
    expect(fromTheirCursor.data.map((event: Json) => event.account_id)).toEqual([other.body.id]);
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const snapshot = async () => ({
      settings: await db().selectFrom('wallet_notification_settings').selectAll().orderBy('account_id').execute(),
      events: (await db().selectFrom('wallet_events').select('id').execute()).length,
      deliveries: (await db().selectFrom('jobs').select('id').where('kind', '=', 'wallet_event_webhook').execute()).length,
    });
    const before = await snapshot();
    const put = (json: unknown, token?: string) =>
      world.bridge.request('PUT', '/v1/wallet/notifications', { json, ...(token ? { token } : {}) });
    const valid = { account_id: accountId, low_balance_threshold: 10, webhook_url: receiver.url };
    const refusals: [Promise<Json>, number, string][] = [
      [put({ ...valid, account_id: 'acc_000000000000000000000000' }), 422, 'unknown_account'],
      [put({ ...valid, low_balance_threshold: -1 }), 422, 'validation_failed'],
      [put({ ...valid, low_balance_threshold: 1.5 }), 422, 'validation_failed'],
      [put({ ...valid, webhook_url: 'ftp://example.com/hook' }), 422, 'validation_failed'],
      [put({ ...valid, webhook_url: 'not a url' }), 422, 'validation_failed'],
      [put({ ...valid, webhook_secret: 'mine' }), 422, 'validation_failed'],
      [put({ account_id: accountId, low_balance_threshold: 10 }), 422, 'validation_failed'],
      [put(valid, world.token), 403, 'admin_required'],
      [admin('GET', '/v1/wallet/notifications'), 422, 'validation_failed'],
      [admin('GET', '/v1/wallet/events'), 403, 'installation_required'],
      [installation('GET', '/v1/wallet/events?kind=low_balance,bogus'), 422, 'validation_failed'],
      [installation('GET', '/v1/wallet/events?cursor=bm90LWEtbnVtYmVy'), 422, 'validation_failed'],
      [installation('GET', '/v1/wallet/events?limit=0'), 422, 'validation_failed'],
    ];
    for (const [pending, status, code] of refusals) {
      const answer = await pending;
      expect(answer.status, code).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code).toBe(code);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe.each(backends)('wallet event webhook URLs and restarts on $name', (backend) => {
  let bridge: TestBridge;
  let accountId: string;

  beforeAll(async () => {
    // The default policy: https only, public addresses only.
    bridge = await startTestBridge(backend);
    accountId = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Policy' } })).body.id;
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('refuses webhook URLs the bridge must not POST to, and stores nothing', async () => {
    for (const url of [
      'http://hooks.example.com/wallet',
      'https://127.0.0.1/wallet',
      'https://[::1]/wallet',
      'https://[::ffff:10.0.0.1]/wallet',
      'https://169.254.169.254/latest',
      'https://localhost:8443/wallet',
      'https://user:password@hooks.example.com/wallet',
    ]) {
      const answer = await bridge.request('PUT', '/v1/wallet/notifications', {
        json: { account_id: accountId, low_balance_threshold: 10, webhook_url: url },
      });
      expect(answer.status, url).toBe(422);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code, url).toBe('webhook_url_refused');
    }
    expect(await bridge.bridge.database.db.selectFrom('wallet_notification_settings').selectAll().execute()).toEqual([]);
  });

  it('never loses a delivery across a restart, even one cut off mid-attempt', async () => {
    const receiver = await startReceiver();
    const database = await backend.create({ persistent: true });
    let first: TestBridge | undefined = await startTestBridge(backend, webhookEnvironment, { database });
    let second: TestBridge | undefined;
    try {
      const encryptionKey = first.config.encryptionKey;
      const account = (await first.request('POST', '/v1/accounts', { json: { name: 'Restart' } })).body.id;
      const secret = (
        await first.request('PUT', '/v1/wallet/notifications', {
          json: { account_id: account, low_balance_threshold: 10, webhook_url: receiver.url },
        })
      ).body.webhook_secret as string;
      // The first process's attempt gets no answer before it stops; the second event is queued while it is down.
      receiver.answers.push('hang');
      await recordWalletEvent(first.bridge.database.db, { accountId: account, kind: 'payment_failed', data: { n: 1 } });
      await expect.poll(() => receiver.received.length, { timeout: 5_000 }).toBe(1);
      await first.close({ keepDatabase: true });
      first = undefined;
      second = await startTestBridge(backend, webhookEnvironment, { database, encryptionKey });
      await recordWalletEvent(second.bridge.database.db, { accountId: account, kind: 'payment_succeeded', data: { n: 2 } });
      await expect
        .poll(
          async () =>
            (
              await second!.bridge.database.db
                .selectFrom('jobs')
                .select('status')
                .where('kind', '=', 'wallet_event_webhook')
                .execute()
            ).map((row) => row.status),
          { timeout: 10_000 },
        )
        .toEqual(['done', 'done']);
      const delivered = receiver.received.slice(1).map((request) => JSON.parse(request.raw.toString('utf8')).data.n);
      expect(delivered.sort()).toEqual([1, 2]);
      for (const request of receiver.received) expect(signatureValid(secret, request)).toBe(true);
    } finally {
      await first?.close();
      await second?.close();
      await receiver.close();
    }
  }, 60_000);
});
