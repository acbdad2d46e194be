import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, type Json, orderConfirmationBody, startHarness, testNumber } from './harness.js';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const templatesPath = `/${testNumber.waba_id}/message_templates`;

/** Follows `paging.next` links (full URLs on the sandbox) until the last page. */
async function allPages(firstPath: string): Promise<{ pages: Json[]; templates: Json[] }> {
  const pages: Json[] = [];
  let next: string | undefined = `${harness.url}/v24.0${firstPath}`;
  while (next !== undefined) {
    const response = await fetch(next, { headers: { Authorization: `Bearer ${testNumber.access_token}` } });
    expect(response.status).toBe(200);
    const page: Json = await response.json();
    pages.push(page);
    next = page.paging?.next;
    expect(pages.length).toBeLessThan(20);
  }
  return { pages, templates: pages.flatMap((page) => page.data) };
}

describe('GET /{waba-id}/message_templates', () => {
  it('pages through 25+ seeded templates with cursors and full next URLs', async () => {
    const { pages, templates } = await allPages(`${templatesPath}?limit=10`);
    expect(templates.length).toBeGreaterThanOrEqual(25);
    expect(pages.length).toBe(Math.ceil(templates.length / 10));
    expect(new Set(templates.map((template) => template.id)).size).toBe(templates.length);
    const [first, second] = pages;
    expect(first.data).toHaveLength(10);
    expect(first.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
    expect(first.paging.next).toMatch(new RegExp(`^${harness.url}/v24\\.0${templatesPath}\\?limit=10&after=`));
    expect(first.paging.previous).toBeUndefined();
    expect(second.paging.previous).toContain('before=');
    expect(pages.at(-1).paging.next).toBeUndefined();

    const back = await harness.graph('GET', `${templatesPath}?limit=10&before=${second.paging.cursors.before}`);
    expect(back.body.data.map((template: { id: string }) => template.id)).toEqual(
      first.data.map((template: { id: string }) => template.id),
    );
  });

  it('returns templates in Meta shape: NAMED and positional, examples, headers, buttons, and each state', async () => {
    const { templates } = await allPages(`${templatesPath}?limit=100`);
    const find = (name: string, language: string) =>
      templates.find((template) => template.name === name && template.language === language);
    expect(new Set(templates.map((template) => template.language))).toEqual(new Set(['en_US', 'en', 'ja']));
    expect(new Set(templates.map((template) => template.category))).toEqual(new Set(['MARKETING', 'UTILITY', 'AUTHENTICATION']));
    expect(new Set(templates.map((template) => template.status))).toEqual(
      new Set(['APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'PENDING']),
    );

    expect(find('shipping_update', 'en_US')).toMatchObject({
      parameter_format: 'NAMED',
      components: [
        {
          type: 'HEADER',
          format: 'TEXT',
          example: { header_text_named_params: [{ param_name: 'order_id', example: expect.any(String) }] },
        },
        {
          type: 'BODY',
          example: { body_text_named_params: expect.arrayContaining([{ param_name: 'carrier', example: 'DHL' }]) },
        },
        {
          type: 'BUTTONS',
          buttons: [{ type: 'URL', url: 'https://track.example.com/parcels/{{1}}', example: [expect.any(String)] }],
        },
      ],
    });
    expect(find('order_confirmation', 'ja')).toMatchObject({
      parameter_format: 'POSITIONAL',
      components: [
        { type: 'BODY', text: expect.stringContaining('{{1}}様'), example: { body_text: [expect.any(Array)] } },
        { type: 'FOOTER' },
      ],
    });
    expect(find('summer_sale', 'en_US')?.components[0]).toMatchObject({
      type: 'HEADER',
      format: 'IMAGE',
      example: { header_handle: [expect.any(String)] },
    });
    expect(find('invoice_available', 'en_US')?.components[0]).toMatchObject({ format: 'DOCUMENT' });
    expect(find('verification_code', 'en_US')).toMatchObject({
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY', add_security_recommendation: true },
        { type: 'FOOTER', code_expiration_minutes: 10 },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Copy code', url: expect.stringContaining('otp_type=COPY_CODE') }] },
      ],
    });
    expect(find('abandoned_cart', 'en')).toMatchObject({ status: 'REJECTED', rejected_reason: 'INVALID_FORMAT' });
  });

  it('filters by status and name and selects fields, always with the id', async () => {
    const paused = await harness.graph('GET', `${templatesPath}?status=PAUSED&fields=name,status`);
    expect(paused.body.data).toEqual([{ name: 'winter_promo', status: 'PAUSED', id: expect.any(String) }]);
    const named = await harness.graph('GET', `${templatesPath}?name=verification&fields=name,language`);
    expect(named.body.data.map((template: { language: string }) => template.language).sort()).toEqual(['en_US', 'ja']);
  });

  it('refuses a bad limit and a bad cursor (100), and another WABA', async () => {
    expect((await harness.graph('GET', `${templatesPath}?limit=0`)).body.error.code).toBe(100);
    expect((await harness.graph('GET', `${templatesPath}?limit=ten`)).body.error.code).toBe(100);
    expect((await harness.graph('GET', `${templatesPath}?after=bm90LWEtY3Vyc29y`)).body.error.code).toBe(100);
    const other = await harness.graph('GET', '/999999999999/message_templates');
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });
});

describe('GET /{phone-number-id}', () => {
  it('answers the requested fields with the id', async () => {
    const fields =
      'display_phone_number,verified_name,quality_rating,messaging_limit_tier,name_status,code_verification_status,throughput,platform_type';
    const number = await harness.graph('GET', `/${testNumber.phone_number_id}?fields=${fields}`);
    expect(number.body).toEqual({
      id: testNumber.phone_number_id,
      display_phone_number: '+1 555-078-3881',
      verified_name: 'Sandbox Shop',
      quality_rating: 'GREEN',
      messaging_limit_tier: 'TIER_250',
      name_status: 'APPROVED',
      code_verification_status: 'VERIFIED',
      throughput: { level: 'STANDARD' },
      platform_type: 'CLOUD_API',
    });
  });

  it("answers Meta's default fields without fields, and refuses unknown fields", async () => {
    const number = await harness.graph('GET', `/${testNumber.phone_number_id}`);
    expect(Object.keys(number.body).sort()).toEqual([
      'code_verification_status',
      'display_phone_number',
      'id',
      'platform_type',
      'quality_rating',
      'throughput',
      'verified_name',
      'webhook_configuration',
    ]);
    const unknown = await harness.graph('GET', `/${testNumber.phone_number_id}?fields=colour`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe(
      '(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)',
    );
  });

  it('reflects quality and limit changes made through the control API', async () => {
    await harness.control('PATCH', `/sandbox/numbers/${testNumber.phone_number_id}`, {
      quality_rating: 'YELLOW',
      messaging_limit_tier: 'TIER_2K',
    });
    const number = await harness.graph('GET', `/${testNumber.phone_number_id}?fields=quality_rating,messaging_limit_tier`);
    expect(number.body).toMatchObject({ quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_2K' });
  });
});

describe('whatsapp_business_profile', () => {
  const profilePath = `/${testNumber.phone_number_id}/whatsapp_business_profile`;

  it('updates and reads back the profile', async () => {
    const update = await harness.graph('POST', profilePath, {
      messaging_product: 'whatsapp',
      about: '営業時間 9:00–18:00',
      email: 'help@example.com',
      websites: ['https://example.com', 'https://example.com/ja'],
      vertical: 'RETAIL',
    });
    expect(update.body).toEqual({ success: true });
    // The picture needs a handle from the Resumable Upload API: resumable-upload.test.ts.
    const profile = await harness.graph('GET', `${profilePath}?fields=about,email,websites,vertical,profile_picture_url`);
    expect(profile.body).toEqual({
      data: [
        {
          about: '営業時間 9:00–18:00',
          email: 'help@example.com',
          websites: ['https://example.com', 'https://example.com/ja'],
          vertical: 'RETAIL',
          messaging_product: 'whatsapp',
        },
      ],
    });
  });

  it.each([
    ['three websites', { websites: ['https://a.example', 'https://b.example', 'https://c.example'] }],
    ['a website over 256 characters', { websites: [`https://example.com/${'a'.repeat(250)}`] }],
    ['a website without a scheme', { websites: ['example.com'] }],
    ['an unknown vertical', { vertical: 'SPACESHIPS' }],
    ['an about over 139 characters', { about: 'a'.repeat(140) }],
    ['an invalid email', { email: 'not-an-email' }],
    ['no messaging_product', { messaging_product: undefined, about: 'x' }],
  ])('refuses %s (100)', async (_case, change) => {
    const result = await harness.graph('POST', profilePath, { messaging_product: 'whatsapp', ...change });
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ code: 100, error_data: { details: expect.any(String) } });
  });
});

describe('request_code → verify_code → register', () => {
  const path = (edge: string) => `/${testNumber.phone_number_id}/${edge}`;

  it('walks a new number through verification and registration, refusing each wrong step', async () => {
    await harness.control('PATCH', `/sandbox/numbers/${testNumber.phone_number_id}`, {
      registered: false,
      code_verification_status: 'NOT_VERIFIED',
    });
    const register = (pin: string) => harness.graph('POST', path('register'), { messaging_product: 'whatsapp', pin });

    expect((await register('123456')).body.error.code).toBe(133006);
    expect((await harness.graph('POST', path('verify_code'), { code: '123456' })).body.error.code).toBe(136025);
    expect(
      (await harness.graph('POST', path('request_code'), { code_method: 'PIGEON', language: 'en_US' })).body.error.code,
    ).toBe(100);
    expect((await harness.graph('POST', `${path('request_code')}?code_method=SMS&language=en_US`)).body).toEqual({
      success: true,
    });
    const wrong = await harness.graph('POST', path('verify_code'), { code: '000000' });
    expect(wrong.body.error).toMatchObject({ code: 136025, message: '(#136025) Verify code error' });
    expect((await harness.graph('POST', path('verify_code'), { code: '123456' })).body).toEqual({ success: true });

    expect((await register('12345')).body.error.code).toBe(100);
    expect((await register('654321')).body).toEqual({ success: true });
    expect((await register('111111')).body.error.code).toBe(133005);
    expect((await register('654321')).body).toEqual({ success: true });

    const sent = await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody());
    expect(sent.status).toBe(200);
  });

  it('stops code requests after five without verification (136024)', async () => {
    const request = () => harness.graph('POST', path('request_code'), { code_method: 'VOICE', language: 'ja' });
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await request()).status).toBe(200);
    expect((await request()).body.error.code).toBe(136024);
  });
});

describe('paths and the control API', () => {
  it('answers unknown Graph paths and versions with 2500', async () => {
    const unknownEdge = await harness.graph('GET', `/${testNumber.phone_number_id}/conversations`);
    expect(unknownEdge.body.error).toMatchObject({ code: 2500 });
    const badVersion = await fetch(`${harness.url}/latest/${testNumber.phone_number_id}`);
    expect(badVersion.status).toBe(400);
  });

  it('validates control bodies and answers JSON errors with a clear message', async () => {
    const invalid = await harness.control('POST', '/sandbox/numbers', { phone_number_id: 'abc' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('validation_failed');
    expect(invalid.body.error.message).toContain('phone_number_id');
    expect((await harness.control('POST', '/sandbox/numbers/1/inbound', { text: 'x', from: '819012345678' })).status).toBe(404);
    expect((await harness.control('POST', `/sandbox/numbers/${testNumber.phone_number_id}/inbound`, { text: 'x' })).status).toBe(
      400,
    );
    expect((await harness.control('PUT', '/sandbox/knobs', { batchWindowMs: -1 })).status).toBe(400);
    expect((await harness.control('PUT', '/sandbox/knobs', { noSuchKnob: true })).status).toBe(400);
    expect((await harness.control('GET', '/sandbox/nothing-here')).body.error.code).toBe('not_found');
  });

  it('registers a second number with its own WABA and templates, never echoing secrets', async () => {
    const created = await harness.control('POST', '/sandbox/numbers', {
      phone_number_id: '300000000000001',
      waba_id: '300000000000009',
      display_phone_number: '+81 3-1234-5678',
      verified_name: '東京ショップ',
      access_token: 'EAAsecond-number-token',
      app_secret: 'second-app-secret',
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain('second-app-secret');
    expect(JSON.stringify(created.body)).not.toContain('EAAsecond-number-token');
    const templates = await harness.graph(
      'GET',
      '/300000000000009/message_templates?limit=1',
      undefined,
      'EAAsecond-number-token',
    );
    expect(templates.body.data).toHaveLength(1);
  });

  it('resets to the configured numbers', async () => {
    await harness.inbound();
    await harness.sandbox.idle();
    await harness.control('POST', '/sandbox/reset');
    expect((await harness.control('GET', '/sandbox/deliveries')).body.data).toEqual([]);
    expect(
      (await harness.control('GET', '/sandbox/numbers')).body.data.map(
        (number: { phone_number_id: string }) => number.phone_number_id,
      ),
    ).toEqual([testNumber.phone_number_id]);
    expect((await harness.sendText('window gone')).body.error.code).toBe(131047);
  });
});
