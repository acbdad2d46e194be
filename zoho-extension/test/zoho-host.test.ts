import { describe, expect, it } from 'vitest';
import { configNames, installationTokenPlaceholder } from '../definition/config.js';
import type { ZohoApp, ZohoDeskSdk, ZohoRequestOptions } from '../src/zoho/sdk.js';
import { readZohoAnswer } from '../src/zoho/zoho-answer.js';
import { createZohoHost, ticketChangeEvents } from '../src/zoho/zoho-host.js';

/**
 * A ZOHODESK stub that answers as Zoho documents: `get(path)` resolves `{status: 'success', [path]: value}`
 * asynchronously, or `{status: 'failure'}` for a property the page does not have; `request` resolves Zoho's
 * JSON-string envelope; `App.instance.on` collects handlers (Zoho has no `off`).
 */
function fakeZoho(values: Record<string, unknown>, app: Partial<ZohoApp> = {}) {
  const requests: ZohoRequestOptions[] = [];
  const invocations: unknown[][] = [];
  const handlers = new Map<string, ((data: unknown) => void)[]>();
  const asked: string[] = [];
  let answer: () => Promise<unknown> = async () =>
    JSON.stringify({ statusCode: 200, responseHeaders: {}, response: JSON.stringify({ statusMessage: { ok: true } }) });
  const sdk: ZohoDeskSdk = {
    extension: { onload: async () => zohoApp },
    async get(path) {
      asked.push(path);
      await Promise.resolve();
      return path in values ? { status: 'success', [path]: values[path] } : { status: 'failure', message: 'unsupported' };
    },
    request(options) {
      requests.push(options);
      return answer();
    },
    async invoke(...args) {
      invocations.push(args);
      return { status: 'success' };
    },
  };
  const zohoApp: ZohoApp = {
    instance: { on: (event, handler) => handlers.set(event, [...(handlers.get(event) ?? []), handler]) },
    ...app,
  };
  return {
    host: createZohoHost(sdk, zohoApp),
    requests,
    invocations,
    handlers,
    asked,
    answerWith(next: () => Promise<unknown>) {
      answer = next;
    },
  };
}

const bridgeConfig = [
  { name: 'bridge_url', value: 'https://bridge.example.com/' },
  { name: 'deployment_id', value: 'dep_1' },
];
const envelope = (statusCode: number, response: unknown) => JSON.stringify({ statusCode, responseHeaders: {}, response });

describe('the Zoho Desk HelpdeskHost', () => {
  it('reads the ticket id and the contact’s name and mobile, keyed by path', async () => {
    const { host } = fakeZoho({
      'ticket.id': '1892000000093001',
      'ticket.contact': { firstName: 'Hanako', lastName: 'Yamada', mobile: '+81 90-1234-0001', phone: '03-0000-0000' },
      'ticket.contactName': 'H. Yamada',
      'extension.config': bridgeConfig,
    });
    expect(await host.ticket()).toEqual({
      ticketId: '1892000000093001',
      helpdesk: 'zoho',
      requesterName: 'Hanako Yamada',
      requesterFirstName: 'Hanako',
      requesterPhone: '+81 90-1234-0001',
    });
  });

  it('falls back from the mobile to the contact’s phone, then the ticket’s phone and contact name', async () => {
    const phoneOnly = fakeZoho({ 'ticket.id': 7, 'ticket.contact': { firstName: 'Taro', mobile: '', phone: '+81 3-1111-2222' } });
    expect(await phoneOnly.host.ticket()).toMatchObject({
      ticketId: '7',
      requesterName: 'Taro',
      requesterPhone: '+81 3-1111-2222',
    });
    const ticketOnly = fakeZoho({ 'ticket.id': '8', 'ticket.contactName': 'Jiro Tanaka', 'ticket.phone': '+81 90-1234-0003' });
    expect(await ticketOnly.host.ticket()).toMatchObject({ requesterName: 'Jiro Tanaka', requesterPhone: '+81 90-1234-0003' });
    expect(await ticketOnly.host.ticket()).toMatchObject({ requesterFirstName: null });
    const nothing = fakeZoho({ 'ticket.id': '9' });
    expect(await nothing.host.ticket()).toMatchObject({ requesterName: null, requesterFirstName: null, requesterPhone: null });
  });

  it('prefers the configured custom field, and falls back when it is empty', async () => {
    const settings = [{ name: configNames.phoneField, value: 'cf_whatsapp' }];
    const contact = { firstName: 'Hanako', mobile: '+81 90-1234-0001' };
    const filled = fakeZoho({
      'ticket.id': '1',
      'ticket.contact': contact,
      'ticket.cf': { cf_whatsapp: '+81 80-0000-1111' },
      'extension.config': settings,
    });
    expect((await filled.host.ticket()).requesterPhone).toBe('+81 80-0000-1111');
    const empty = fakeZoho({
      'ticket.id': '1',
      'ticket.contact': contact,
      'ticket.cf': { cf_whatsapp: ' ' },
      'extension.config': settings,
    });
    expect((await empty.host.ticket()).requesterPhone).toBe('+81 90-1234-0001');
    // A path given as is, and the configuration as an object keyed by name.
    const path = fakeZoho({
      'ticket.id': '1',
      'ticket.email': '+81 70-0000-2222',
      'extension.config': { phone_field: 'ticket.email' },
    });
    expect((await path.host.ticket()).requesterPhone).toBe('+81 70-0000-2222');
  });

  it('refuses to guess a ticket when Zoho does not say which one is open', async () => {
    await expect(fakeZoho({}).host.ticket()).rejects.toThrow(/which ticket/);
  });

  it('speaks Japanese when Zoho Desk’s language is Japanese, English otherwise', async () => {
    for (const [zohoLocale, panelLocale] of [
      ['ja', 'ja'],
      ['ja_JP', 'ja'],
      ['en', 'en'],
      ['fr', 'en'],
    ]) {
      expect(await fakeZoho({}, { locale: zohoLocale }).host.locale()).toBe(panelLocale);
    }
    // Without App.locale, the agent's language code.
    expect(await fakeZoho({ 'user.langCode': 'ja' }).host.locale()).toBe('ja');
    expect(await fakeZoho({}).host.locale()).toBe('en');
  });

  it('names the agent for consent records', async () => {
    expect(await fakeZoho({ 'user.id': '1892000000042001' }).host.agent?.()).toBe('zoho:agent:1892000000042001');
    expect(await fakeZoho({}).host.agent?.()).toBeNull();
  });

  it('calls the bridge through ZOHODESK.request with the secure placeholder, never a token', async () => {
    const fake = fakeZoho({ 'extension.config': bridgeConfig });
    const answer = await fake.host.request({
      method: 'POST',
      path: '/v1/messages',
      body: { to: '+819012340001' },
      headers: { 'Idempotency-Key': 'k1', Authorization: 'Bearer stolen' },
    });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(fake.requests).toEqual([
      {
        url: 'https://bridge.example.com/v1/messages',
        type: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'Idempotency-Key': 'k1',
          Authorization: 'Bearer {{installation_token}}',
        },
        postBody: { to: '+819012340001' },
      },
    ]);
    expect(installationTokenPlaceholder).toBe(`{{${configNames.installationToken}}}`);
    // The configuration is read once, not per request.
    await fake.host.request({ method: 'GET', path: '/v1/wallet' });
    expect(fake.asked.filter((path) => path === 'extension.config')).toHaveLength(1);
    expect(fake.requests[1]).toMatchObject({ type: 'GET', postBody: {} });
  });

  it('resolves HTTP errors as answers and rejects only when the bridge was not reached', async () => {
    const fake = fakeZoho({ 'extension.config': bridgeConfig });
    fake.answerWith(async () => envelope(409, JSON.stringify({ statusMessage: { code: 'window_closed' } })));
    expect(await fake.host.request({ method: 'GET', path: '/v1/x' })).toEqual({ status: 409, body: { code: 'window_closed' } });
    fake.answerWith(() => Promise.reject(envelope(502, '')));
    expect(await fake.host.request({ method: 'GET', path: '/v1/x' })).toEqual({ status: 502, body: null });
    fake.answerWith(() => Promise.reject(new Error('domain not white-listed')));
    await expect(fake.host.request({ method: 'GET', path: '/v1/x' })).rejects.toThrow(/could not be reached/);
    fake.answerWith(async () => 'OK');
    await expect(fake.host.request({ method: 'GET', path: '/v1/x' })).rejects.toThrow(/without a status/);
  });

  it('resizes through invoke, and a refusal does not break the panel', async () => {
    const fake = fakeZoho({});
    fake.host.resize(321.4);
    expect(fake.invocations).toEqual([['RESIZE', { width: '100%', height: '322px' }]]);
  });

  it('re-reads on ticket_Shift, subscribing once, and stops calling a listener that unsubscribed', () => {
    const fake = fakeZoho({});
    const calls: string[] = [];
    const stopFirst = fake.host.onTicketChanged(() => calls.push('first'));
    fake.host.onTicketChanged(() => calls.push('second'));
    expect([...fake.handlers.keys()]).toEqual([...ticketChangeEvents]);
    expect(fake.handlers.get('ticket_Shift')).toHaveLength(1);
    for (const handler of fake.handlers.get('ticket_Shift') ?? []) handler({ ticketId: '2' });
    stopFirst();
    for (const handler of fake.handlers.get('ticket_Shift') ?? []) handler({ ticketId: '3' });
    expect(calls).toEqual(['first', 'second', 'second']);
  });
});

describe('reading what ZOHODESK.request resolves with', () => {
  it('unwraps the envelope, as a string or an object, with or without statusMessage', () => {
    const body = { data: [1, 2] };
    expect(readZohoAnswer(envelope(200, JSON.stringify({ statusMessage: body })))).toEqual({ status: 200, body });
    expect(readZohoAnswer(envelope(201, JSON.stringify(body)))).toEqual({ status: 201, body });
    expect(readZohoAnswer({ statusCode: '404', response: { statusMessage: JSON.stringify({ code: 'not_found' }) } })).toEqual({
      status: 404,
      body: { code: 'not_found' },
    });
    expect(readZohoAnswer({ response: { statusMessage: body, status: 200 } })).toEqual({ status: 200, body });
    expect(readZohoAnswer(envelope(204, ''))).toEqual({ status: 204, body: null });
    expect(readZohoAnswer(envelope(500, 'upstream error'))).toEqual({ status: 500, body: 'upstream error' });
  });

  it('finds no status in what is not an envelope', () => {
    for (const answer of [
      null,
      undefined,
      'OK',
      '{"data": []}',
      { statusCode: 0 },
      { statusCode: 'soon' },
      [200],
      { response: '{}' },
    ]) {
      expect(readZohoAnswer(answer)).toBeNull();
    }
  });
});
