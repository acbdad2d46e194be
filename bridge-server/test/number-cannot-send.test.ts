import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { backends } from './support/backends.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from './support/wallet.js';

/**
 * A number whose account Meta restricted or disabled (its `account_update` webhooks, delivered by the Meta sandbox
 * through the real webhook path) says so in the panel's status, and its sends are refused before anything is held or
 * sent (issue #14): `number_cannot_send`, no points reserved, no message recorded, nothing at Meta. Once the
 * restriction expires, or Meta reinstates the account, it sends again.
 */
describe.each(backends)('a number that cannot send, on $name', (backend) => {
  let world: SandboxBridge;
  const clock = new TestClock(new Date());
  const customer = '+819012340001';
  /** Opted in, never wrote: a template to them is paid, so a send that got as far as the reserve step would hold points. */
  const silentCustomer = '+819012340002';
  const hourMs = 60 * 60 * 1000;

  const installation = (method: string, path: string) => world.bridge.request(method, path, { token: world.token });
  const status = async () => {
    const answer = await installation('GET', `/v1/contacts/${encodeURIComponent(customer)}/status`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  const wallet = async () => (await installation('GET', '/v1/wallet')).body;
  const sentToMeta = async () =>
    (await world.control('GET', `/sandbox/messages?phone_number_id=${world.deployment.phone_number_id}`)).data.length;
  const recordedMessages = async () =>
    Number(
      (
        await world.bridge.bridge.database.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow()
      ).count,
    );
  /** Meta's back office acts on the WABA: the sandbox posts the account_update webhook, the bridge applies it. */
  const accountUpdate = async (event: string, details: Record<string, unknown>) => {
    await world.control('POST', `/sandbox/wabas/${world.deployment.waba_id}/account-update`, { event, details });
    await world.settle();
  };
  const reply = () => world.send({ to: customer, text: { body: 'Thank you for writing.' } });
  const template = (to = customer) => world.send({ to, template: orderConfirmationTemplate });

  const statusOf = async (phone: string) => {
    const answer = await installation('GET', `/v1/contacts/${encodeURIComponent(phone)}/status`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };

  /** These sends refused with number_cannot_send, and nothing recorded, held or sent because of them. */
  async function expectRefused(
    sends: (() => Promise<{ status: number; body: Record<string, unknown> }>)[],
    reason: string,
    blockedUntil: string | null,
  ): Promise<void> {
    const before = { wallet: await wallet(), meta: await sentToMeta(), recorded: await recordedMessages() };
    for (const send of sends) {
      const answer = await send();
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
      expect(answer.body).toMatchObject({
        code: 'number_cannot_send',
        number: { can_send: false, cannot_send_reason: reason, blocked_until: blockedUntil },
      });
    }
    expect(await wallet()).toMatchObject({ reserved: before.wallet.reserved, available: before.wallet.available });
    expect(await sentToMeta()).toBe(before.meta);
    expect(await recordedMessages()).toBe(before.recorded);
  }
  const expectSendsRefused = (reason: string, blockedUntil: string | null) =>
    expectRefused([reply, () => template(), () => template(silentCustomer)], reason, blockedUntil);

  beforeAll(async () => {
    world = await startSandboxBridge(backend, { clock });
    expect((await installation('POST', '/v1/templates/sync')).status).toBe(202);
    await world.settle();
    // A metered account with points: a send that got as far as the reserve step would hold some.
    const accountId = (await installation('GET', '/v1/accounts')).body.data[0].id;
    const admin = (method: string, path: string, json: unknown) => world.bridge.request(method, path, { json });
    const settings = { account_id: accountId, currency: 'JPY', point_price_minor: 3, point_value_micro_usd: 1_000 };
    expect((await admin('PUT', '/v1/wallet/settings', settings)).status).toBe(200);
    const purchase = { account_id: accountId, points: 100_000, payment_reference: `pay_${randomUUID()}` };
    expect((await admin('POST', '/v1/wallet/purchases', purchase)).status).toBe(201);
    for (const phone of [customer, silentCustomer]) {
      const consent = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
        token: world.token,
        json: utilityConsent(),
      });
      expect(consent.status, JSON.stringify(consent.body)).toBe(201);
    }
    await world.customerWrites(customer, 'Where is my order?');
    // The bridge's clock stands still from here (the restriction's expiry is passed by advancing it); it starts after
    // the customer's message, so their window is open.
    clock.set(new Date());
  });
  afterAll(async () => {
    await world?.close();
  });

  it('can send before Meta says anything about the account', async () => {
    expect((await status()).number).toEqual({ can_send: true, cannot_send_reason: null, blocked_until: null });
  });

  it('stops only new conversations while Meta restricts business-initiated messaging, until the restriction ends', async () => {
    const expiresAtSeconds = Math.floor((clock.now().getTime() + 2 * hourMs) / 1000);
    const blockedUntil = new Date(expiresAtSeconds * 1000).toISOString();
    await accountUpdate('ACCOUNT_RESTRICTION', {
      restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: expiresAtSeconds }],
    });
    // The customer who wrote (window open) can still be answered: Meta allows replies under this restriction.
    const open = await statusOf(customer);
    expect(open.window.state).toBe('open');
    expect(open.number).toEqual({ can_send: true, cannot_send_reason: null, blocked_until: null });
    const answered = await reply();
    expect(answered.status, JSON.stringify(answered.body)).toBe(202);
    await world.settle();
    // The one who never wrote cannot be messaged first until it ends.
    expect((await statusOf(silentCustomer)).number).toEqual({
      can_send: false,
      cannot_send_reason: 'account_restricted',
      blocked_until: blockedUntil,
    });
    await expectRefused([() => template(silentCustomer)], 'account_restricted', blockedUntil);

    clock.advance(2 * hourMs + 1_000);
    expect((await statusOf(silentCustomer)).number).toEqual({ can_send: true, cannot_send_reason: null, blocked_until: null });
  });

  it('stops only answers while Meta restricts customer-initiated messaging; other restrictions stop no message', async () => {
    await world.customerWrites(customer, 'Still there?');
    clock.set(new Date());
    await accountUpdate('ACCOUNT_RESTRICTION', {
      restriction_info: [
        { restriction_type: 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING' },
        { restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' },
      ],
    });
    expect((await statusOf(customer)).number).toEqual({
      can_send: false,
      cannot_send_reason: 'account_restricted',
      blocked_until: null,
    });
    await expectRefused([reply, () => template()], 'account_restricted', null);
    // Starting a conversation with the one who never wrote is still allowed.
    expect((await statusOf(silentCustomer)).number.can_send).toBe(true);
    const started = await template(silentCustomer);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await world.settle();
    await accountUpdate('ACCOUNT_RESTRICTION', {
      restriction_info: [{ restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' }],
    });
    expect((await statusOf(customer)).number.can_send).toBe(true);
  });

  it('says a disabled account cannot send, without an end, until Meta reinstates it', async () => {
    await accountUpdate('DISABLED_UPDATE', { ban_info: { waba_ban_state: 'DISABLE', waba_ban_date: 'December 6, 2026' } });
    expect((await status()).number).toEqual({ can_send: false, cannot_send_reason: 'account_banned', blocked_until: null });
    await expectSendsRefused('account_banned', null);

    await accountUpdate('DISABLED_UPDATE', { ban_info: { waba_ban_state: 'REINSTATE', waba_ban_date: 'December 6, 2026' } });
    expect((await status()).number).toEqual({ can_send: true, cannot_send_reason: null, blocked_until: null });
    const available = (await wallet()).available;
    const sent = await template(silentCustomer);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    // A paid template holds its points (or Meta's delivery has captured them already): the reserve step is reached.
    expect((await wallet()).available).toBeLessThan(available);
    await world.settle();
  });

  it('lifts a restriction when Meta sends an ACCOUNT_RESTRICTION without restrictions', async () => {
    await world.customerWrites(customer, 'Hello again');
    clock.set(new Date());
    await accountUpdate('ACCOUNT_RESTRICTION', {
      restriction_info: [{ restriction_type: 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING' }],
    });
    expect((await status()).number).toEqual({ can_send: false, cannot_send_reason: 'account_restricted', blocked_until: null });
    await expectRefused([reply], 'account_restricted', null);
    await accountUpdate('ACCOUNT_RESTRICTION', { restriction_info: [] });
    expect((await status()).number.can_send).toBe(true);
  });
});
