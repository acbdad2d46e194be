import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaGraphClient } from '../../src/meta/client.js';
import { MetaRequestInvalidError } from '../../src/meta/errors.js';
import { customerWaId, type Harness, startHarness, testNumber } from '../meta-sandbox/harness.js';
import { probeClient, scriptedFetch } from './support.js';

const token = testNumber.access_token;
const numberId = testNumber.phone_number_id;
const to = `+${customerWaId}`;

describe('inputs are refused before any call', () => {
  const scripted = scriptedFetch([]);
  const { client, fetchCalls } = probeClient('http://meta.invalid', { fetch: scripted });
  const send = (message: unknown, callbackData = 'msg_1', phoneNumberId = numberId, accessToken = token) =>
    client.sendMessage(accessToken, phoneNumberId, message as never, { bizOpaqueCallbackData: callbackData });

  it.each([
    ['a number without +', () => send({ type: 'text', to: customerWaId, body: 'x' }), 'message.to'],
    ['a number with spaces', () => send({ type: 'text', to: '+81 90 1234 5678', body: 'x' }), 'message.to'],
    ['an empty text', () => send({ type: 'text', to, body: '' }), 'message.body'],
    ['a text over 4,096 characters', () => send({ type: 'text', to, body: 'x'.repeat(4_097) }), 'message.body'],
    ['an unknown type', () => send({ type: 'fax', to }), 'message.type'],
    ['a caption on audio', () => send({ type: 'audio', to, media: { id: '1' }, caption: 'x' }), 'message'],
    ['a filename on an image', () => send({ type: 'image', to, media: { id: '1' }, filename: 'a.jpg' }), 'message'],
    [
      'media with both link and id',
      () => send({ type: 'image', to, media: { id: '1', link: 'https://a.b/c' } }),
      'message.media',
    ],
    ['a media link that is not http', () => send({ type: 'image', to, media: { link: 'ftp://a.b/c' } }), 'message.media.link'],
    [
      'a template language that is no code',
      () => send({ type: 'template', to, template: { name: 't', languageCode: 'English' } }),
      'message.template.languageCode',
    ],
    ['an empty callback id', () => send({ type: 'text', to, body: 'x' }, ''), 'bizOpaqueCallbackData'],
    ['a callback id over 512 characters', () => send({ type: 'text', to, body: 'x' }, 'x'.repeat(513)), 'bizOpaqueCallbackData'],
    ['a phone number id that walks the path', () => send({ type: 'text', to, body: 'x' }, 'm', '../123'), 'phoneNumberId'],
    ['an empty token', () => send({ type: 'text', to, body: 'x' }, 'm', numberId, ''), 'accessToken'],
    ['a token with a line break', () => send({ type: 'text', to, body: 'x' }, 'm', numberId, 'EAA\r\nX-Evil: 1'), 'accessToken'],
    [
      'three websites',
      () => client.updateBusinessProfile(token, numberId, { websites: ['https://a.b', 'https://c.d', 'https://e.f'] }),
      'profile.websites',
    ],
    [
      'a website over 256 characters',
      () => client.updateBusinessProfile(token, numberId, { websites: [`https://a.b/${'x'.repeat(250)}`] }),
      'profile.websites.0',
    ],
    [
      'a website that is not http',
      () => client.updateBusinessProfile(token, numberId, { websites: ['javascript:alert(1)'] }),
      'profile.websites.0',
    ],
    ['an invalid email', () => client.updateBusinessProfile(token, numberId, { email: 'not-an-email' }), 'profile.email'],
    [
      'an about over 139 characters',
      () => client.updateBusinessProfile(token, numberId, { about: 'x'.repeat(140) }),
      'profile.about',
    ],
    [
      'an unknown vertical',
      () => client.updateBusinessProfile(token, numberId, { vertical: 'SPACE' as never }),
      'profile.vertical',
    ],
    ['a profile change with no field', () => client.updateBusinessProfile(token, numberId, {}), 'profile'],
    ['a five-digit PIN', () => client.register(token, numberId, '12345'), 'pin'],
    ['a code with letters', () => client.verifyCode(token, numberId, '12a456'), 'code'],
    [
      'an unknown code method',
      () => client.requestVerificationCode(token, numberId, { codeMethod: 'EMAIL' as never, language: 'en_US' }),
      'request.codeMethod',
    ],
    ['a page size of 0', () => client.listMessageTemplates(token, testNumber.waba_id, { limit: 0 }), 'options.limit'],
    ['a page size over 1,000', () => client.listMessageTemplates(token, testNumber.waba_id, { limit: 1_001 }), 'options.limit'],
    [
      'a field that is no field name',
      () => client.listMessageTemplates(token, testNumber.waba_id, { fields: ['name&x=1'] }),
      'options.fields.0',
    ],
  ])('%s', async (_case, call, path) => {
    const error = await call().catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(MetaRequestInvalidError);
    expect((error as MetaRequestInvalidError).issues.some((issue) => issue.startsWith(`${path}:`))).toBe(true);
    expect(String((error as Error).message)).not.toContain('EAA');
    expect(fetchCalls).toEqual([]);
  });

  it('refuses client options that cannot work', () => {
    const options = { baseUrl: 'https://graph.facebook.com', apiVersion: 'v24.0' };
    expect(() => new MetaGraphClient({ ...options, apiVersion: '24.0' })).toThrow(MetaRequestInvalidError);
    expect(() => new MetaGraphClient({ ...options, baseUrl: 'ftp://graph.facebook.com' })).toThrow(MetaRequestInvalidError);
    expect(() => new MetaGraphClient({ ...options, timeoutMs: 0 })).toThrow(MetaRequestInvalidError);
    expect(() => new MetaGraphClient({ ...options, retry: { attemptsMax: 0 } })).toThrow(MetaRequestInvalidError);
    expect(() => new MetaGraphClient(options)).not.toThrow();
  });
});

describe('logging', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('writes one line per attempt with method, path, status, attempt and duration, and never the token or the text', async () => {
    const { client, logLines, fetchCalls } = probeClient(harness.url);
    const secretText = 'Your PIN is 9911 — do not share';

    const refused = await client
      .sendMessage(token, numberId, { type: 'text', to, body: secretText }, { bizOpaqueCallbackData: 'msg_log' })
      .catch((error: unknown) => error);
    await client.listMessageTemplates(token, testNumber.waba_id, { limit: 20 });

    expect(refused).toMatchObject({ code: 131047 });
    expect(logLines).toHaveLength(fetchCalls.length);
    expect(logLines[0]).toEqual({
      method: 'POST',
      path: `/v24.0/${numberId}/messages`,
      status: 400,
      attempt: 1,
      durationMs: expect.any(Number),
      outcome: 'meta_error_131047',
      message: 'meta graph call',
    });
    expect(logLines.slice(1).every((line) => line.path === `/v24.0/${testNumber.waba_id}/message_templates`)).toBe(true);
    const written = JSON.stringify(logLines);
    expect(written).not.toContain(token);
    expect(written).not.toContain(secretText);
    expect(written).not.toContain('?');
    // The token travels only as a header, never in a URL.
    expect(fetchCalls.some((call) => call.url.includes(token))).toBe(false);
  });
});
