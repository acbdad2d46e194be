import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaGraphClient } from '../../src/meta/client.js';
import { MetaApiError } from '../../src/meta/errors.js';
import type { TemplateComponent } from '../../src/meta/messages.js';
import { customerWaId, type Harness, orderConfirmationBody, startHarness, testNumber } from '../meta-sandbox/harness.js';
import { mp3, pdf, png } from '../support/media-files.js';
import { probeClient } from './support.js';

const token = testNumber.access_token;
const numberId = testNumber.phone_number_id;
const to = `+${customerWaId}`;
const orderConfirmation = orderConfirmationBody() as TemplateComponent[];

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

async function recordedRequest(wamid: string) {
  const message = await harness.control('GET', `/sandbox/messages/${encodeURIComponent(wamid)}`);
  expect(message.status).toBe(200);
  return message.body.request;
}

describe('sendMessage', () => {
  it('sends a text with biz_opaque_callback_data and answers the wamid and wa_id', async () => {
    const { client, fetchCalls } = probeClient(harness.url);
    await harness.inbound();

    const sent = await client.sendMessage(
      token,
      numberId,
      { type: 'text', to, body: 'Hello from the helpdesk https://example.com', previewUrl: true },
      { bizOpaqueCallbackData: 'msg_text_1' },
    );

    expect(sent).toEqual({ wamid: expect.stringMatching(/^wamid\./), waId: customerWaId, messageStatus: undefined });
    expect(await recordedRequest(sent.wamid)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { body: 'Hello from the helpdesk https://example.com', preview_url: true },
      biz_opaque_callback_data: 'msg_text_1',
    });
    expect(fetchCalls).toHaveLength(1);
  });

  it('sends media by link and by id, with caption and filename where WhatsApp has them', async () => {
    const { client } = probeClient(harness.url);
    await harness.inbound();
    const send = (message: Parameters<typeof client.sendMessage>[2], id: string) =>
      client.sendMessage(token, numberId, message, { bizOpaqueCallbackData: id });

    // Media sent by id must have been uploaded by this number first (the sandbox checks, as Meta does).
    const pdfId = (await client.uploadMedia(token, numberId, { bytes: pdf(), mimeType: 'application/pdf', filename: 'a.pdf' }))
      .id;
    const mp3Id = (await client.uploadMedia(token, numberId, { bytes: mp3(), mimeType: 'audio/mpeg', filename: 'a.mp3' })).id;

    const image = await send({ type: 'image', to, media: { link: 'https://example.com/a.jpg' }, caption: 'Your receipt' }, 'm1');
    const document = await send(
      { type: 'document', to, media: { id: pdfId }, caption: 'Invoice', filename: 'invoice.pdf' },
      'm2',
    );
    const video = await send({ type: 'video', to, media: { link: 'https://example.com/a.mp4' } }, 'm3');
    const audio = await send({ type: 'audio', to, media: { id: mp3Id }, replyToWamid: image.wamid }, 'm4');

    expect(await recordedRequest(image.wamid)).toMatchObject({
      type: 'image',
      image: { link: 'https://example.com/a.jpg', caption: 'Your receipt' },
    });
    expect(await recordedRequest(document.wamid)).toMatchObject({
      type: 'document',
      document: { id: pdfId, caption: 'Invoice', filename: 'invoice.pdf' },
    });
    expect((await recordedRequest(video.wamid)).video).toEqual({ link: 'https://example.com/a.mp4' });
    expect(await recordedRequest(audio.wamid)).toMatchObject({
      type: 'audio',
      audio: { id: mp3Id },
      context: { message_id: image.wamid },
      biz_opaque_callback_data: 'm4',
    });
  });

  it('sends a template outside the window and answers message_status accepted', async () => {
    const { client } = probeClient(harness.url);

    const sent = await client.sendMessage(
      token,
      numberId,
      {
        type: 'template',
        to,
        template: { name: 'order_confirmation', languageCode: 'en_US', components: orderConfirmation },
      },
      { bizOpaqueCallbackData: 'msg_template_1' },
    );

    expect(sent.messageStatus).toBe('accepted');
    expect(await recordedRequest(sent.wamid)).toMatchObject({
      type: 'template',
      template: { name: 'order_confirmation', language: { code: 'en_US' }, components: orderConfirmationBody() },
    });
  });
});

describe('message templates', () => {
  it('follows every page and returns exactly the sandbox’s templates, reporting progress per page', async () => {
    const { client, fetchCalls } = probeClient(harness.url);
    const expected = (await harness.control('GET', `/sandbox/wabas/${testNumber.waba_id}/templates`)).body.data as {
      id: string;
    }[];
    const progress: number[] = [];

    const templates = await client.listMessageTemplates(token, testNumber.waba_id, {
      limit: 7,
      onPage: (page) => {
        progress.push(page.templatesSoFar);
      },
    });

    expect(expected.length).toBeGreaterThan(14);
    expect(templates).toHaveLength(expected.length);
    expect(new Set(templates.map((template) => template.id))).toEqual(new Set(expected.map((template) => template.id)));
    const pageCount = Math.ceil(expected.length / 7);
    expect(progress).toHaveLength(pageCount);
    expect(progress.at(-1)).toBe(expected.length);
    expect(fetchCalls).toHaveLength(pageCount);
    // Pages after the first ask with our own URL and the after cursor; the token never rides in a URL.
    expect(fetchCalls.slice(1).every((call) => new URL(call.url).searchParams.has('after'))).toBe(true);
    expect(fetchCalls.some((call) => call.url.includes('access_token'))).toBe(false);
    const summerSale = templates.find((template) => template.name === 'summer_sale' && template.language === 'en_US');
    expect(summerSale).toMatchObject({ category: 'MARKETING', status: 'APPROVED', parameter_format: 'POSITIONAL' });
    expect(summerSale?.components?.map((component) => component.type)).toContain('BODY');
  });

  it('pages lazily in the iterator form and filters by status', async () => {
    const { client, fetchCalls } = probeClient(harness.url);

    for await (const page of client.messageTemplatePages(token, testNumber.waba_id, { limit: 5 })) {
      expect(page).toMatchObject({ pageNumber: 1 });
      expect(page.templates).toHaveLength(5);
      break;
    }
    expect(fetchCalls).toHaveLength(1);

    const paused = await client.listMessageTemplates(token, testNumber.waba_id, { status: 'PAUSED' });
    expect(paused.map((template) => template.name)).toEqual(['winter_promo']);
  });

  it('always asks for the fields its types require, even when the caller asks for fewer', async () => {
    const { client, fetchCalls } = probeClient(harness.url);

    const [first] = await client.listMessageTemplates(token, testNumber.waba_id, { limit: 1_000, fields: ['name'] });

    expect(new URL(fetchCalls[0]?.url ?? '').searchParams.get('fields')).toBe('name,language,status,category');
    expect(first).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      language: expect.any(String),
      status: expect.any(String),
      category: expect.any(String),
    });
  });
});

describe('phone number and business profile', () => {
  it('reads the number’s status fields', async () => {
    const { client, fetchCalls } = probeClient(harness.url);

    const status = await client.getPhoneNumberStatus(token, numberId);

    expect(status).toEqual({
      phoneNumberId: numberId,
      displayPhoneNumber: testNumber.display_phone_number,
      verifiedName: testNumber.verified_name,
      qualityRating: 'GREEN',
      messagingLimitTier: 'TIER_250',
      nameStatus: 'APPROVED',
      codeVerificationStatus: 'VERIFIED',
      throughputLevel: 'STANDARD',
      platformType: 'CLOUD_API',
      status: 'CONNECTED',
    });
    expect(new URL(fetchCalls[0]?.url ?? '').searchParams.get('fields')).toContain('quality_rating');
  });

  it('works with the defaults: global fetch, real timers, no logger', async () => {
    const client = new MetaGraphClient({ baseUrl: harness.url, apiVersion: 'v24.0' });

    expect((await client.getPhoneNumberStatus(token, numberId)).verifiedName).toBe(testNumber.verified_name);
  });

  it('reads the profile, changes some fields and reads them back', async () => {
    const { client } = probeClient(harness.url);
    expect(await client.getBusinessProfile(token, numberId)).toMatchObject({
      about: 'Hello from the Meta sandbox',
      vertical: 'OTHER',
      websites: [],
    });

    // The picture goes through the Resumable Upload API on the app (session, then the bytes with file_offset: 0).
    const { handle } = await client.uploadResumable(token, '1000000000000001', {
      bytes: png(),
      mimeType: 'image/png',
      filename: 'logo.png',
    });
    await client.updateBusinessProfile(token, numberId, {
      about: 'We answer within the hour',
      email: 'help@example.com',
      websites: ['https://example.com', 'https://shop.example.com/ja'],
      vertical: 'RETAIL',
      profilePictureHandle: handle,
    });

    expect(await client.getBusinessProfile(token, numberId)).toEqual({
      about: 'We answer within the hour',
      address: undefined,
      description: undefined,
      email: 'help@example.com',
      profilePictureUrl: expect.stringMatching(/\/pps\/[0-9a-f]+$/),
      websites: ['https://example.com', 'https://shop.example.com/ja'],
      vertical: 'RETAIL',
    });
  });

  it('requests and verifies a code, then registers the number, which can then send', async () => {
    const { client } = probeClient(harness.url);
    const newNumber = { ...testNumber, phone_number_id: '200000000000002', access_token: 'EAAnew-number-token' };
    harness.sandbox.registerNumber({ ...newNumber, registered: false, code_verification_status: 'NOT_VERIFIED' });
    const newToken = newNumber.access_token;
    const newId = newNumber.phone_number_id;

    const early = await client.register(newToken, newId, '654321').catch((error: unknown) => error);
    expect(early).toMatchObject({ code: 133006, reason: 'phone_number_verification_needed', retryable: false });

    await client.requestVerificationCode(newToken, newId, { codeMethod: 'SMS', language: 'en_US' });
    const wrong = await client.verifyCode(newToken, newId, '000000').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(MetaApiError);
    expect(wrong).toMatchObject({ code: 136025, reason: 'verification_code_invalid' });
    // Typed as the SMS shows it, with the dash.
    await client.verifyCode(newToken, newId, '123-456');
    await client.register(newToken, newId, '654321');

    expect((await client.getPhoneNumberStatus(newToken, newId)).codeVerificationStatus).toBe('VERIFIED');
    const sent = await client.sendMessage(
      newToken,
      newId,
      {
        type: 'template',
        to,
        template: { name: 'order_confirmation', languageCode: 'en_US', components: orderConfirmation },
      },
      { bizOpaqueCallbackData: 'msg_after_register' },
    );
    expect(sent.wamid).toMatch(/^wamid\./);
  });
});
