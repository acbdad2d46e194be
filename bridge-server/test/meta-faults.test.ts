import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditWallets } from '../src/wallet/audit.js';
import { backends } from './support/backends.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from './support/wallet.js';

/*
 * Meta failing while paid templates are sent through the bridge (issue 16): throttling (130429), the pair rate limit
 * (131056), a connection reset before or after Meta took the message, a 500 after it took it, no answer at all.
 * Whatever happens: no message reaches the customer twice, none is charged twice, every message ends in a state
 * that says what happened, and the wallet's ledger still adds up.
 */

interface Case {
  fault: string;
  count: number;
  /** What the send answers, and the message's state once Meta's statuses (if any) were applied. */
  answer: number;
  state: string;
  /** Messages Meta holds for this send. */
  atMeta: number;
  charge: string;
}

const cases: Case[] = [
  // Refused before Meta acted: retried by the bridge's Meta client (bounded: 4 attempts), then sent once.
  { fault: 'throttle', count: 1, answer: 202, state: 'accepted', atMeta: 1, charge: 'captured' },
  { fault: 'pair_limit', count: 1, answer: 202, state: 'accepted', atMeta: 1, charge: 'captured' },
  // Refused on every attempt: the send fails with a retryable problem, nothing at Meta, the hold released.
  { fault: 'throttle', count: 10, answer: 503, state: 'failed', atMeta: 0, charge: 'released' },
  // Taken by Meta, answer lost: never repeated; Meta's statuses (carrying our id) settle the message and its charge.
  { fault: 'error_500', count: 1, answer: 202, state: 'accepted', atMeta: 1, charge: 'captured' },
  { fault: 'reset', count: 1, answer: 202, state: 'accepted', atMeta: 1, charge: 'captured' },
  { fault: 'hang', count: 1, answer: 202, state: 'accepted', atMeta: 1, charge: 'captured' },
  // Lost before Meta took it: the bridge cannot tell, so it does not repeat it either; no status will come, the
  // charge stays held (until the hold expires), nothing was sent.
  { fault: 'reset_before', count: 1, answer: 202, state: 'outcome_unknown', atMeta: 0, charge: 'held' },
];

describe.each(backends)('Meta failing during paid sends on $name', (backend) => {
  let world: SandboxBridge;
  let accountId = '';
  const db = () => world.bridge.bridge.database.db;

  beforeAll(async () => {
    // Meta's answer is waited for 1 s (the hang case), statuses come promptly.
    world = await startSandboxBridge(backend, { environment: { META_TIMEOUT_MS: '1000' } });
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    accountId = (await world.bridge.request('GET', '/v1/accounts', { token: world.token })).body.data[0].id;
    const admin = (path: string, json: unknown, method = 'POST') => world.bridge.request(method, path, { json });
    expect(
      (
        await admin(
          '/v1/wallet/settings',
          { account_id: accountId, currency: 'JPY', point_price_minor: 3, point_value_micro_usd: 1_000 },
          'PUT',
        )
      ).status,
    ).toBe(200);
    expect(
      (await admin('/v1/wallet/purchases', { account_id: accountId, points: 10_000, payment_reference: `pay_${randomUUID()}` }))
        .status,
    ).toBe(201);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('sends each message at most once, charges it at most once, and says what happened', async () => {
    const sent: { testCase: Case; id: string; key: string; to: string }[] = [];
    for (const [index, testCase] of cases.entries()) {
      const to = `+8190555520${String(index).padStart(2, '0')}`;
      const consent = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(to)}/consents`, {
        token: world.token,
        json: utilityConsent(),
      });
      expect(consent.status).toBe(201);
      await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/send-fault`, {
        mode: testCase.fault,
        count: testCase.count,
      });
      const key = randomUUID();
      const answer = await world.send({ to, template: orderConfirmationTemplate }, key);
      await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/send-fault`, { mode: 'none' });
      expect({ fault: testCase.fault, status: answer.status }).toEqual({ fault: testCase.fault, status: testCase.answer });
      if (answer.status === 503) expect(answer.body).toMatchObject({ code: 'meta_unavailable', meta_code: 130429 });
      // Each case writes to a customer of its own: their one message is this send's, refused or not.
      const messages = await db().selectFrom('messages').select('id').where('recipient_phone', '=', to).execute();
      expect(messages).toHaveLength(1);
      sent.push({ testCase, id: messages[0]!.id, key, to });
    }
    await world.settle();

    const atMeta = (await world.control('GET', '/sandbox/messages')).data as { biz_opaque_callback_data: string | null }[];
    for (const { testCase, id, key, to } of sent) {
      const message = await world.bridge.request('GET', `/v1/messages/${id}`, { token: world.token });
      const charges = await db().selectFrom('message_charges').select(['state']).where('message_id', '=', id).execute();
      const captures = await db()
        .selectFrom('wallet_entries')
        .select('id')
        .where('message_id', '=', id)
        .where('kind', '=', 'capture')
        .execute();
      expect({
        fault: testCase.fault,
        count: testCase.count,
        state: message.body.state,
        atMeta: atMeta.filter((sentMessage) => sentMessage.biz_opaque_callback_data === id).length,
        charges: charges.map((charge) => charge.state),
        captures: captures.length,
      }).toEqual({
        fault: testCase.fault,
        count: testCase.count,
        state: testCase.state,
        atMeta: testCase.atMeta,
        charges: [testCase.charge],
        captures: testCase.charge === 'captured' ? 1 : 0,
      });
      // The same request again (the helpdesk's retry) replays the answer: it sends nothing more.
      const again = await world.send({ to, template: orderConfirmationTemplate }, key);
      if (testCase.answer === 202) expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
    await world.settle();
    const atMetaAfter = (await world.control('GET', '/sandbox/messages')).data as unknown[];
    expect(atMetaAfter.length - atMeta.length).toBe(sent.filter(({ testCase }) => testCase.answer === 503).length);
    expect(await auditWallets(db())).toEqual([]);
  });
});
