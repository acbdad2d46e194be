import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import {
  customerWaId,
  type Harness,
  hoursAgo,
  type Json,
  orderConfirmationBody,
  type StatusUpdate,
  signatureMatches,
  startHarness,
  summerSaleComponents,
  testNumber,
} from './harness.js';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const numberPath = `/sandbox/numbers/${testNumber.phone_number_id}`;
const setKnobs = (knobs: Record<string, unknown>) => harness.control('PUT', `${numberPath}/knobs`, knobs);

/** Waits until the receiver holds `count` statuses of the message, then returns them in arrival order. */
async function statusesOf(wamid: string, count: number): Promise<StatusUpdate[]> {
  return waitFor(`${count} statuses of ${wamid}`, () => {
    const statuses = harness.receiver.statuses(wamid);
    return statuses.length >= count && statuses;
  });
}

async function sentWamid(result: Promise<{ status: number; body: Json }>): Promise<string> {
  const { status, body } = await result;
  expect(status, JSON.stringify(body)).toBe(200);
  return body.messages[0].id as string;
}

describe('statuses after an accepted send', () => {
  it('posts sent → delivered → read, signed over the raw bytes, echoing biz_opaque_callback_data', async () => {
    await harness.inbound();
    const wamid = await sentWamid(harness.sendText('Your order ships today', { biz_opaque_callback_data: 'ticket:4821/äö' }));

    const statuses = await statusesOf(wamid, 3);
    expect(statuses.map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
    for (const status of statuses) {
      expect(status).toMatchObject({ id: wamid, recipient_id: customerWaId, biz_opaque_callback_data: 'ticket:4821/äö' });
      expect(status.timestamp).toMatch(/^\d{10}$/);
    }
    expect(statuses[0]?.pricing).toEqual({
      billable: false,
      pricing_model: 'PMP',
      type: 'free_customer_service',
      category: 'service',
    });
    expect(statuses[1]?.pricing).toEqual(statuses[0]?.pricing);
    expect(statuses[2]?.pricing).toBeUndefined();

    for (const webhook of harness.receiver.received) {
      expect(webhook.headers['content-type']).toBe('application/json');
      expect(signatureMatches(webhook.rawBody, webhook.headers['x-hub-signature-256'], testNumber.app_secret)).toBe(true);
      expect(signatureMatches(webhook.rawBody, webhook.headers['x-hub-signature-256'], 'another-secret')).toBe(false);
      const [entry] = webhook.json.entry;
      expect(webhook.json.object).toBe('whatsapp_business_account');
      expect(entry?.id).toBe(testNumber.waba_id);
      expect(entry?.changes[0]?.value.metadata).toEqual({
        display_phone_number: '15550783881',
        phone_number_id: testNumber.phone_number_id,
      });
    }
  });

  it('records the statuses on the message for inspection', async () => {
    await harness.inbound();
    const wamid = await sentWamid(harness.sendText('Hi'));
    await statusesOf(wamid, 3);
    const message = await harness.control('GET', `/sandbox/messages/${encodeURIComponent(wamid)}`);
    expect(message.body.statuses.map((status: { status: string }) => status.status)).toEqual(['sent', 'delivered', 'read']);
    expect(message.body.http_outcome).toBe('answered');
  });

  it('fails an undeliverable customer later with 131026 and no pricing', async () => {
    await harness.control('POST', `${numberPath}/customers`, { wa_id: customerWaId, undeliverable: true });
    const wamid = await sentWamid(harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody()));
    const [failed] = await statusesOf(wamid, 1);
    expect(failed).toMatchObject({
      status: 'failed',
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          error_data: { details: expect.any(String) },
        },
      ],
    });
    expect(failed?.pricing).toBeUndefined();
    await harness.sandbox.idle();
    expect(harness.receiver.statuses(wamid)).toHaveLength(1);
  });
});

describe('pricing decided by the window', () => {
  const pricingOf = async (result: Promise<{ status: number; body: Json }>) =>
    (await statusesOf(await sentWamid(result), 1))[0]?.pricing;

  it('charges marketing outside the window as regular marketing', async () => {
    expect(await pricingOf(harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents))).toEqual({
      billable: true,
      pricing_model: 'PMP',
      type: 'regular',
      category: 'marketing',
    });
  });

  it('gives utility templates inside the window for free, but still charges marketing and utility outside it', async () => {
    expect(await pricingOf(harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody()))).toMatchObject({
      type: 'regular',
      category: 'utility',
      billable: true,
    });
    await harness.inbound();
    expect(await pricingOf(harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody()))).toEqual({
      billable: false,
      pricing_model: 'PMP',
      type: 'free_customer_service',
      category: 'utility',
    });
    expect(await pricingOf(harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents))).toMatchObject({
      type: 'regular',
      category: 'marketing',
    });
  });

  it('uses the current category after Meta re-categorises a template', async () => {
    await harness.inbound();
    await harness.control('POST', `/sandbox/wabas/${testNumber.waba_id}/template-category`, {
      name: 'order_confirmation',
      language: 'en_US',
      new_category: 'MARKETING',
    });
    expect(await pricingOf(harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody()))).toMatchObject({
      type: 'regular',
      category: 'marketing',
    });
    const [update] = harness.receiver.changes('template_category_update');
    expect(update?.value).toMatchObject({
      message_template_name: 'order_confirmation',
      previous_category: 'UTILITY',
      new_category: 'MARKETING',
    });
  });

  it('makes everything free for 72 h after the business answers a click-to-WhatsApp ad within 24 h', async () => {
    const inbound = await harness.inbound({ text: 'I saw your ad', referral: { headline: 'Summer sale' } });
    expect(inbound.status).toBe(201);
    expect(await pricingOf(harness.sendText('Thanks for reaching out!'))).toEqual({
      billable: false,
      pricing_model: 'PMP',
      type: 'free_entry_point',
      category: 'service',
    });
    expect(await pricingOf(harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents))).toMatchObject({
      type: 'free_entry_point',
      category: 'marketing',
      billable: false,
    });
    const customers = await harness.control('GET', `${numberPath}/customers`);
    expect(customers.body.data[0].free_entry_point_expires_at).not.toBeNull();
  });

  it('opens no free entry point when the referral is answered after 24 h', async () => {
    await harness.inbound({ text: 'I saw your ad', referral: {}, timestamp: hoursAgo(25) });
    expect(await pricingOf(harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents))).toMatchObject({
      type: 'regular',
    });
  });
});

describe('serialisation like Meta', () => {
  it('escapes non-ASCII as \\uXXXX and "/" as \\/, and signs those exact bytes', async () => {
    const text = 'こんにちは、注文の件です。Grüße 👋 https://example.com/a';
    await harness.inbound({ text, name: '山田花子' });
    const webhook = await waitFor('the inbound webhook', () => harness.receiver.received[0]);
    const raw = webhook.rawBody;

    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    const rawText = raw.toString('latin1');
    expect(rawText).toContain('\\u3053\\u3093\\u306b\\u3061\\u306f');
    expect(rawText).toContain('Gr\\u00fc\\u00dfe');
    expect(rawText).toContain('\\ud83d\\udc4b');
    expect(rawText).toContain('https:\\/\\/example.com\\/a');
    expect(signatureMatches(raw, webhook.headers['x-hub-signature-256'], testNumber.app_secret)).toBe(true);

    const messages = webhook.json.entry[0]?.changes[0]?.value.messages as { text: { body: string } }[] | undefined;
    const message = messages?.[0];
    expect(message?.text.body).toBe(text);
    // A receiver that re-serialises the parsed body computes another signature: it must hash the raw bytes.
    const reserialised = Buffer.from(JSON.stringify(webhook.json));
    expect(signatureMatches(reserialised, webhook.headers['x-hub-signature-256'], testNumber.app_secret)).toBe(false);
  });

  it('posts inbound messages as Meta does: contacts, from, timestamp, referral', async () => {
    const timestamp = hoursAgo(2);
    await harness.inbound({ text: 'Hello', timestamp, referral: { source_id: '120208', ctwa_clid: 'ARAclid' } });
    const [change] = await waitFor(
      'the inbound change',
      () => harness.receiver.changes('messages').length > 0 && harness.receiver.changes('messages'),
    );
    expect(change?.value.contacts).toEqual([{ profile: { name: 'Hanako' }, wa_id: customerWaId }]);
    expect(change?.value.messages).toEqual([
      {
        from: customerWaId,
        id: expect.stringMatching(/^wamid\./),
        timestamp: String(timestamp),
        referral: expect.objectContaining({ source_id: '120208', ctwa_clid: 'ARAclid', source_type: 'ad', media_type: 'image' }),
        type: 'text',
        text: { body: 'Hello' },
      },
    ]);
  });

  it('posts a customer’s photo as Meta does and keeps it for the business to fetch', async () => {
    // Any bytes do: the sandbox keeps what the customer sent, as Meta keeps the file the customer's phone uploaded.
    const bytes = Buffer.from('\x89PNG\r\n\x1a\n a photo of the parcel', 'latin1');
    const inbound = await harness.control('POST', `${numberPath}/inbound`, {
      from: customerWaId,
      image: { mime_type: 'image/png', data_base64: bytes.toString('base64'), caption: 'The box arrived damaged' },
    });
    expect(inbound.status).toBe(201);
    const [change] = await waitFor(
      'the inbound change',
      () => harness.receiver.changes('messages').length > 0 && harness.receiver.changes('messages'),
    );
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(change?.value.messages).toEqual([
      expect.objectContaining({
        from: customerWaId,
        type: 'image',
        image: { id: expect.stringMatching(/^\d+$/), mime_type: 'image/png', sha256, caption: 'The box arrived damaged' },
      }),
    ]);
    const [message] = (change?.value.messages ?? []) as Json[];
    const media = await harness.graph('GET', `/${message.image.id}`);
    expect(media.body).toMatchObject({ mime_type: 'image/png', sha256, file_size: bytes.length });
    const download = await fetch(media.body.url, { headers: { Authorization: `Bearer ${testNumber.access_token}` } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });

  it.each([
    ['both text and a photo', { text: 'Hi', image: { mime_type: 'image/png', data_base64: 'AAAA' } }],
    ['neither', {}],
    ['a photo that is not base64', { image: { mime_type: 'image/png', data_base64: 'not base64!' } }],
    ['a GIF, which Meta does not take as an image', { image: { mime_type: 'image/gif', data_base64: 'AAAA' } }],
  ])('refuses an inbound with %s', async (_case, body) => {
    const answer = await harness.control('POST', `${numberPath}/inbound`, { from: customerWaId, ...body });
    expect(answer.status).toBe(400);
  });

  it('serves a username-only customer by business-scoped user id', async () => {
    const inbound = await harness.control('POST', `${numberPath}/inbound`, {
      username: 'hanako.y',
      name: 'Hanako',
      text: 'Hi from my username',
    });
    const userId = inbound.body.customer.user_id as string;
    expect(userId).toMatch(/^US\.\d{20}$/);
    expect(inbound.body.customer.wa_id).toBeNull();
    const [change] = await waitFor(
      'the inbound change',
      () => harness.receiver.changes('messages').length > 0 && harness.receiver.changes('messages'),
    );
    expect(change?.value.contacts).toEqual([{ profile: { name: 'Hanako', username: 'hanako.y' }, user_id: userId }]);

    const sent = await harness.graph('POST', `/${testNumber.phone_number_id}/messages`, {
      messaging_product: 'whatsapp',
      recipient: userId,
      type: 'text',
      text: { body: 'Hello Hanako' },
    });
    expect(sent.body.contacts).toEqual([{ input: userId, user_id: userId }]);
    const [status] = await statusesOf(sent.body.messages[0].id, 1);
    expect(status).toMatchObject({ recipient_user_id: userId });
    expect(status?.recipient_id).toBeUndefined();
  });
});

describe('delivery knobs', () => {
  it('batches the updates of one number into one POST, statuses merged into one array', async () => {
    await harness.inbound();
    await harness.sandbox.idle();
    const before = harness.receiver.received.length;
    // Long enough that both sends and all their statuses (15 ms each) fall into one window even on a slow machine.
    await setKnobs({ batchWindowMs: 250 });
    const first = await sentWamid(harness.sendText('one'));
    const second = await sentWamid(harness.sendText('two'));
    await harness.sandbox.idle();
    const batched = harness.receiver.received.slice(before);
    expect(batched).toHaveLength(1);
    const changes = batched[0]?.json.entry[0]?.changes ?? [];
    expect(changes).toHaveLength(1);
    expect(changes[0]?.value.statuses).toHaveLength(6);
    expect(harness.receiver.statuses(first).map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
    expect(harness.receiver.statuses(second).map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('delivers every body twice, byte for byte, when duplicating', async () => {
    await setKnobs({ duplicateDeliveries: true });
    await harness.inbound();
    const wamid = await sentWamid(harness.sendText('twice'));
    await harness.sandbox.idle();
    // Each body arrives twice; where the copy lands among the others is not specified.
    expect(
      harness.receiver
        .statuses(wamid)
        .map((status) => status.status)
        .sort(),
    ).toEqual(['delivered', 'delivered', 'read', 'read', 'sent', 'sent']);
    const bodies = harness.receiver.received.map((webhook) => webhook.rawBody.toString());
    expect(new Set(bodies).size).toBe(bodies.length / 2);
    const deliveries = await harness.control('GET', '/sandbox/deliveries');
    expect(
      deliveries.body.data.filter((delivery: { duplicate_of: string | null }) => delivery.duplicate_of !== null),
    ).toHaveLength(4);
  });

  it('can send read before delivered', async () => {
    await setKnobs({ reorderReadBeforeDelivered: true });
    await harness.inbound();
    const wamid = await sentWamid(harness.sendText('reordered'));
    expect((await statusesOf(wamid, 3)).map((status) => status.status)).toEqual(['sent', 'read', 'delivered']);
  });

  it('holds every POST back by the delivery delay', async () => {
    await setKnobs({ deliveryDelayMs: 120 });
    const startedAtMs = Date.now();
    await harness.inbound();
    await waitFor('the delayed inbound', () => harness.receiver.received.length > 0);
    expect(Date.now() - startedAtMs).toBeGreaterThanOrEqual(110);
  });

  it('sends no read when customers never read', async () => {
    await setKnobs({ neverRead: true });
    await harness.inbound();
    const wamid = await sentWamid(harness.sendText('unread'));
    await harness.sandbox.idle();
    expect(harness.receiver.statuses(wamid).map((status) => status.status)).toEqual(['sent', 'delivered']);
  });

  it('retries a body the receiver answered with 500, with the same bytes and signature, and records the attempts', async () => {
    harness.receiver.answer = (index) => (index < 2 ? 500 : 200);
    await harness.inbound();
    await harness.sandbox.idle();
    expect(harness.receiver.received.map((webhook) => webhook.answeredStatus)).toEqual([500, 500, 200]);
    const [first, , third] = harness.receiver.received;
    expect(third?.rawBody.equals(first?.rawBody as Buffer)).toBe(true);
    expect(third?.headers['x-hub-signature-256']).toBe(first?.headers['x-hub-signature-256']);
    const deliveries = await harness.control('GET', '/sandbox/deliveries?field=messages');
    expect(deliveries.body.data).toHaveLength(1);
    expect(deliveries.body.data[0]).toMatchObject({ state: 'delivered' });
    expect(deliveries.body.data[0].attempts.map((attempt: { http_status: number }) => attempt.http_status)).toEqual([
      500, 500, 200,
    ]);
  });

  it('gives up after the configured attempts, and records network errors too', async () => {
    await setKnobs({ deliveryAttemptsMax: 3 });
    harness.receiver.answer = () => 503;
    await harness.inbound();
    await harness.sandbox.idle();
    expect(harness.receiver.received).toHaveLength(3);
    const failed = await harness.control('GET', '/sandbox/deliveries?state=failed');
    expect(failed.body.data[0].attempts).toHaveLength(3);

    await harness.control('PATCH', numberPath, { webhook_url: 'http://127.0.0.1:9/nobody-listens' });
    await harness.inbound({ text: 'lost' });
    await harness.sandbox.idle();
    const deliveries = (await harness.control('GET', '/sandbox/deliveries?state=failed')).body.data;
    const networkFailure = deliveries.find((delivery: { url: string }) => delivery.url.includes(':9/'));
    expect(networkFailure.attempts).toHaveLength(3);
    expect(networkFailure.attempts[0]).toMatchObject({
      http_status: null,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});

describe('send faults: accepted but not answered', () => {
  it('accepts a send, never answers it, and still delivers its statuses', async () => {
    await harness.inbound();
    await harness.control('POST', `${numberPath}/send-fault`, { mode: 'hang', count: 1 });
    const send = fetch(`${harness.url}/v24.0/${testNumber.phone_number_id}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${testNumber.access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: customerWaId, type: 'text', text: { body: 'Did this go out?' } }),
      // The client gives up, as the bridge's HTTP client would.
      signal: AbortSignal.timeout(200),
    });
    await expect(send).rejects.toThrow(/aborted|timeout/i);

    const recorded = (await harness.control('GET', '/sandbox/messages')).body.data;
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ http_outcome: 'hung', type: 'text' });
    expect((await statusesOf(recorded[0].id, 3)).map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);

    // Only one send was affected: the next is answered normally.
    expect((await harness.sendText('next')).status).toBe(200);
  });

  it('answers 500 after accepting, and the message still goes through', async () => {
    await harness.inbound();
    await harness.control('POST', `${numberPath}/send-fault`, { mode: 'error_500', count: 1 });
    const failed = await harness.sendText('Did this go out?');
    expect(failed.status).toBe(500);
    expect(failed.body.error).toMatchObject({ code: 1, message: 'An unknown error has occurred.' });
    const [message] = (await harness.control('GET', '/sandbox/messages')).body.data;
    expect(message.http_outcome).toBe('error_500');
    expect((await statusesOf(message.id, 3)).map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
  });
});

describe('account-level webhooks', () => {
  it('posts user_preferences when the customer presses Stop', async () => {
    await harness.control('POST', `${numberPath}/marketing-preference`, {
      wa_id: customerWaId,
      value: 'stop',
      timestamp: 1731705721,
    });
    const [change] = await waitFor(
      'user_preferences',
      () => harness.receiver.changes('user_preferences').length > 0 && harness.receiver.changes('user_preferences'),
    );
    expect(change?.value.user_preferences).toEqual([
      {
        wa_id: customerWaId,
        detail: 'User requested to stop marketing messages',
        category: 'marketing_messages',
        value: 'stop',
        timestamp: 1731705721,
      },
    ]);
  });

  it('pauses a template on message_template_status_update and refuses it afterwards', async () => {
    const result = await harness.control('POST', `/sandbox/wabas/${testNumber.waba_id}/template-status`, {
      name: 'summer_sale',
      language: 'en_US',
      event: 'PAUSED',
      reason: 'LOW_QUALITY',
    });
    expect(result.body).toMatchObject({ status: 'PAUSED', webhook_emitted: true });
    const [change] = await waitFor(
      'the status update',
      () =>
        harness.receiver.changes('message_template_status_update').length > 0 &&
        harness.receiver.changes('message_template_status_update'),
    );
    expect(change?.value).toEqual({
      event: 'PAUSED',
      message_template_id: Number(result.body.id),
      message_template_name: 'summer_sale',
      message_template_language: 'en_US',
      reason: 'LOW_QUALITY',
      message_template_category: 'MARKETING',
    });
    expect(harness.receiver.accepted()[0]?.json.entry[0]?.time).toEqual(expect.any(Number));
    expect((await harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents)).body.error.code).toBe(132015);
  });

  it('posts phone_number_quality_update and account_update', async () => {
    await harness.control('POST', `${numberPath}/quality`, { event: 'UPGRADE', current_limit: 'TIER_10K' });
    await harness.control('POST', `/sandbox/wabas/${testNumber.waba_id}/account-update`, {
      event: 'ACCOUNT_RESTRICTION',
      details: { restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1641330498 }] },
    });
    await harness.sandbox.idle();
    expect(harness.receiver.changes('phone_number_quality_update')[0]?.value).toEqual({
      display_phone_number: '15550783881',
      event: 'UPGRADE',
      old_limit: 'TIER_250',
      current_limit: 'TIER_10K',
      max_daily_conversations_per_business: 'TIER_10K',
    });
    expect(harness.receiver.changes('account_update')[0]?.value).toMatchObject({
      event: 'ACCOUNT_RESTRICTION',
      restriction_info: expect.any(Array),
    });
    const number = await harness.graph('GET', `/${testNumber.phone_number_id}?fields=messaging_limit_tier`);
    expect(number.body).toEqual({ messaging_limit_tier: 'TIER_10K', id: testNumber.phone_number_id });
  });
});

it('signs with HMAC-SHA256 of the body, the way a receiver computes it by hand', async () => {
  const harnessBody = Buffer.from('{"a":"\\u00e4"}');
  const expected = `sha256=${createHmac('sha256', 'k').update(harnessBody).digest('hex')}`;
  expect(signatureMatches(harnessBody, expected, 'k')).toBe(true);
  expect(signatureMatches(harnessBody, expected.toUpperCase(), 'k')).toBe(false);
  expect(signatureMatches(harnessBody, undefined, 'k')).toBe(false);
});
