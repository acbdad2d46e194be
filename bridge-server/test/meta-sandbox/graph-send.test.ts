import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import {
  customerWaId,
  type Harness,
  hoursAgo,
  type Json,
  orderConfirmationBody,
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

/** Meta's Graph error body: `{error:{message, type, code, error_data?{messaging_product, details}, fbtrace_id}}`. */
function expectGraphError(result: { status: number; body: Json }, httpStatus: number, code: number) {
  expect(result.status).toBe(httpStatus);
  expect(result.body.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) });
  expect(result.body.error.fbtrace_id).toMatch(/^\S{8,}$/);
  if (code !== 190 && code !== 2500) {
    expect(result.body.error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
    expect(result.body.error.error_data).toEqual({ messaging_product: 'whatsapp', details: expect.any(String) });
  }
  return result.body.error as { message: string; error_data?: { details: string } };
}

describe('access tokens', () => {
  it('answers 190 with HTTP 401 without a token, with an unknown token, and with a malformed header', async () => {
    for (const token of [null, 'EAAwrong-token']) {
      const result = await harness.graph(
        'POST',
        `/${testNumber.phone_number_id}/messages`,
        { messaging_product: 'whatsapp' },
        token,
      );
      const error = expectGraphError(result, 401, 190);
      expect(error.message).toBe('Invalid OAuth access token - Cannot parse access token');
      expect(result.body.error.type).toBe('OAuthException');
    }
    const malformed = await fetch(`${harness.url}/v24.0/${testNumber.phone_number_id}`, {
      headers: { Authorization: `Token ${testNumber.access_token}` },
    });
    expect(malformed.status).toBe(401);
    expect(((await malformed.json()) as Json).error.code).toBe(190);
  });

  it('does not let the token of one number act on another number (100, subcode 33)', async () => {
    harness.sandbox.registerNumber({ ...testNumber, phone_number_id: '200000000000001', access_token: 'EAAother-number-token' });
    const result = await harness.graph('GET', `/${testNumber.phone_number_id}`, undefined, 'EAAother-number-token');
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
  });
});

describe('free-form messages and the 24-hour window', () => {
  it('refuses a text to a customer who never wrote (131047)', async () => {
    const error = expectGraphError(await harness.sendText('Hi'), 400, 131047);
    expect(error.message).toBe('(#131047) Re-engagement message');
    expect(error.error_data?.details).toContain('more than 24 hours');
  });

  it('refuses a text 25 h after the customer wrote, and accepts one 23 h after', async () => {
    await harness.inbound({ timestamp: hoursAgo(25) });
    expectGraphError(await harness.sendText('Too late'), 400, 131047);

    await harness.inbound({ timestamp: hoursAgo(23) });
    const accepted = await harness.sendText('Still in time');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: `+${customerWaId}`, wa_id: customerWaId }],
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
    });
  });

  it('an older inbound arriving late does not shorten the window', async () => {
    await harness.inbound({ timestamp: hoursAgo(1) });
    await harness.inbound({ timestamp: hoursAgo(30) });
    expect((await harness.sendText('Hi')).status).toBe(200);
  });

  it('can report a window violation as a failed status instead (policyErrors = failed_status)', async () => {
    await harness.control('PUT', `/sandbox/numbers/${testNumber.phone_number_id}/knobs`, { policyErrors: 'failed_status' });
    const accepted = await harness.sendText('Hi');
    expect(accepted.status).toBe(200);
    const wamid = accepted.body.messages[0].id;
    const [failed] = await waitFor(
      'a failed status',
      () => harness.receiver.statuses(wamid).length > 0 && harness.receiver.statuses(wamid),
    );
    expect(failed).toMatchObject({ status: 'failed', errors: [{ code: 131047, title: 'Re-engagement message' }] });
    expect(failed?.pricing).toBeUndefined();
  });
});

describe('malformed requests (100)', () => {
  it.each([
    ['no messaging_product', { to: customerWaId, type: 'text', text: { body: 'x' } }],
    ['messaging_product other than whatsapp', { messaging_product: 'sms', to: customerWaId, type: 'text', text: { body: 'x' } }],
    ['no recipient', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }],
    ['a recipient that is no phone number', { messaging_product: 'whatsapp', to: 'hanako', type: 'text', text: { body: 'x' } }],
    ['type text without text', { messaging_product: 'whatsapp', to: customerWaId, type: 'text' }],
    ['an empty body', { messaging_product: 'whatsapp', to: customerWaId, type: 'text', text: { body: '' } }],
    ['an unknown type', { messaging_product: 'whatsapp', to: customerWaId, type: 'fax', fax: {} }],
    ['an image with neither id nor link', { messaging_product: 'whatsapp', to: customerWaId, type: 'image', image: {} }],
    [
      'biz_opaque_callback_data over 512 characters',
      {
        messaging_product: 'whatsapp',
        to: customerWaId,
        type: 'text',
        text: { body: 'x' },
        biz_opaque_callback_data: 'x'.repeat(513),
      },
    ],
  ])('refuses %s', async (_case, body) => {
    await harness.inbound();
    expectGraphError(await harness.graph('POST', `/${testNumber.phone_number_id}/messages`, body), 400, 100);
  });

  it('refuses a body that is not JSON', async () => {
    expectGraphError(await harness.graph('POST', `/${testNumber.phone_number_id}/messages`, '{"messaging_product":'), 400, 100);
  });

  it('refuses template text parameters with new lines, as Meta does', async () => {
    const result = await harness.sendTemplate(
      'order_confirmation',
      'en_US',
      orderConfirmationBody(['Hanako', 'line\nbreak', 'May 3']),
    );
    expect(expectGraphError(result, 400, 100).error_data?.details).toContain('new-line');
  });
});

describe('template rules', () => {
  it('accepts an approved template outside the window and answers message_status accepted', async () => {
    const result = await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody());
    expect(result.status).toBe(200);
    expect(result.body.messages).toEqual([{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' }]);
  });

  it('refuses an unknown name, a known name in another language, and a template that is not approved (132001)', async () => {
    const unknown = expectGraphError(await harness.sendTemplate('no_such_template', 'en_US', []), 404, 132001);
    expect(unknown.error_data?.details).toBe('template name (no_such_template) does not exist in en_US');
    expectGraphError(await harness.sendTemplate('order_confirmation', 'de', orderConfirmationBody()), 404, 132001);
    expectGraphError(await harness.sendTemplate('abandoned_cart', 'en', orderConfirmationBody(['a', 'b'])), 404, 132001);
    expectGraphError(await harness.sendTemplate('loyalty_points_update', 'en_US', []), 404, 132001);
  });

  it('refuses a paused template (132015) and a disabled one (132016)', async () => {
    const body = [{ type: 'body', parameters: [{ type: 'text', text: '30%' }] }];
    expectGraphError(await harness.sendTemplate('winter_promo', 'en_US', body), 400, 132015);
    expectGraphError(await harness.sendTemplate('spring_promo_2024', 'en_US', body), 400, 132016);
  });

  it('refuses too few and too many body parameters (132000)', async () => {
    const tooFew = expectGraphError(
      await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody(['a', 'b'])),
      400,
      132000,
    );
    expect(tooFew.error_data?.details).toBe(
      'body: number of localizable_params (2) does not match the expected number of params (3)',
    );
    expectGraphError(
      await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody(['a', 'b', 'c', 'd'])),
      400,
      132000,
    );
    expectGraphError(await harness.sendTemplate('welcome_message', 'en_US', orderConfirmationBody(['a'])), 400, 132000);
  });

  it('refuses a NAMED template without parameter_name, with an unknown name, and accepts it named (132000)', async () => {
    const named = (names: (string | undefined)[]) => [
      {
        type: 'body',
        parameters: names.map((name, position) => ({
          type: 'text',
          text: `v${position}`,
          ...(name ? { parameter_name: name } : {}),
        })),
      },
    ];
    const missing = expectGraphError(
      await harness.sendTemplate('ticket_update', 'en_US', named([undefined, undefined, undefined])),
      400,
      132000,
    );
    expect(missing.error_data?.details).toContain('Parameter name is missing');
    expectGraphError(
      await harness.sendTemplate('ticket_update', 'en_US', named(['customer_name', 'ticket_id', 'colour'])),
      400,
      132000,
    );
    const accepted = await harness.sendTemplate('ticket_update', 'ja', named(['status', 'customer_name', 'ticket_id']));
    expect(accepted.status).toBe(200);
  });

  it('requires the dynamic URL button parameter and the media header, in the right format', async () => {
    const header = { type: 'header', parameters: [{ type: 'text', text: 'ORD-1', parameter_name: 'order_id' }] };
    const body = {
      type: 'body',
      parameters: ['first_name', 'order_id', 'carrier', 'delivery_date'].map((name) => ({
        type: 'text',
        text: 'x',
        parameter_name: name,
      })),
    };
    const button = { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '1Z999' }] };
    expectGraphError(await harness.sendTemplate('shipping_update', 'en_US', [header, body]), 400, 132000);
    expect((await harness.sendTemplate('shipping_update', 'en_US', [header, body, button])).status).toBe(200);

    const textInsteadOfImage = [{ type: 'header', parameters: [{ type: 'text', text: 'x' }] }, summerSaleComponents[1]];
    expectGraphError(await harness.sendTemplate('summer_sale', 'en_US', textInsteadOfImage), 400, 132012);
    expectGraphError(await harness.sendTemplate('summer_sale', 'en_US', [summerSaleComponents[1]]), 400, 132000);
  });

  it('sends an authentication template with its copy-code button parameter', async () => {
    const code = [
      { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
      { type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'text', text: '482913' }] },
    ];
    expect((await harness.sendTemplate('verification_code', 'ja', code)).status).toBe(200);
    expectGraphError(await harness.sendTemplate('verification_code', 'ja', [code[0]]), 400, 132000);
  });
});

describe('marketing opt-out (131050)', () => {
  it('refuses marketing after Stop, still sends utility, and sends marketing again after Resume', async () => {
    const preference = `/sandbox/numbers/${testNumber.phone_number_id}/marketing-preference`;
    expect((await harness.control('POST', preference, { wa_id: customerWaId, value: 'stop' })).status).toBe(200);

    const refused = expectGraphError(await harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents), 400, 131050);
    expect(refused.error_data?.details).toContain('stop receiving marketing messages');
    expect((await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody())).status).toBe(200);

    await harness.control('POST', preference, { wa_id: customerWaId, value: 'resume' });
    expect((await harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents)).status).toBe(200);
  });
});

describe('throughput (130429)', () => {
  it('refuses calls beyond the per-second limit of the number with HTTP 400, and recovers after a second', async () => {
    await harness.control('PUT', `/sandbox/numbers/${testNumber.phone_number_id}/knobs`, { throughputMessagesPerSecond: 3 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody())),
    );
    expect(results.filter((result) => result.status === 200)).toHaveLength(3);
    const limited = results.filter((result) => result.status !== 200);
    expect(limited).toHaveLength(2);
    for (const result of limited) {
      expect(expectGraphError(result, 400, 130429).error_data?.details).toBe('Cloud API message throughput has been reached.');
    }
  });
});

describe('registration', () => {
  it('refuses to send from a number that is not registered (133010)', async () => {
    await harness.control('PATCH', `/sandbox/numbers/${testNumber.phone_number_id}`, { registered: false });
    expectGraphError(await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody()), 400, 133010);
  });
});
