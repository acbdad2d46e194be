import { describe, expect, it } from 'vitest';
import type { ZafClient, ZafRequestOptions } from '../src/zaf/client.js';
import { createZendeskHost, givenName, phoneFieldPath, ticketChangeEvents } from '../src/zaf/zendesk-host.js';

/** A ZAF client stub that answers like the SDK (lib/client.js): `get` → `{[path]: value, errors}`. */
function fakeClient(values: Record<string, unknown>, settings: Record<string, unknown> = {}) {
  const requests: ZafRequestOptions[] = [];
  const invocations: unknown[][] = [];
  const handlers = new Map<string, ((data: unknown) => void)[]>();
  let answer: () => Promise<unknown> = async () => ({ status: 200, responseJSON: { ok: true } });
  const client: ZafClient = {
    async get(paths) {
      const list = Array.isArray(paths) ? paths : [paths];
      const result: Record<string, unknown> = { errors: {} };
      for (const path of list) {
        if (path in values) result[path] = values[path];
        else (result.errors as Record<string, unknown>)[path] = { message: 'no such path' };
      }
      return result;
    },
    async invoke(...args) {
      invocations.push(args);
      return {};
    },
    on(name, handler) {
      handlers.set(name, [...(handlers.get(name) ?? []), handler]);
    },
    off(name, handler) {
      handlers.set(
        name,
        (handlers.get(name) ?? []).filter((entry) => entry !== handler),
      );
    },
    request(options) {
      requests.push(options);
      return answer();
    },
    async metadata() {
      return { settings: { bridge_url: 'https://bridge.example.com/', ...settings } };
    },
  };
  return {
    client,
    requests,
    invocations,
    handlers,
    answerWith(next: () => Promise<unknown>) {
      answer = next;
    },
  };
}

const requester = {
  name: 'Hanako Yamada',
  locale: 'ja',
  identities: [
    { type: 'email', value: 'h@example.com' },
    { type: 'phone_number', value: '+81 90-1234-0001' },
  ],
};

describe('the Zendesk HelpdeskHost', () => {
  it('reads the ticket id and the requester’s name, language and phone identity', async () => {
    const { client } = fakeClient({ 'ticket.id': 4242, 'ticket.requester': requester });
    expect(await createZendeskHost(client).ticket()).toEqual({
      ticketId: '4242',
      helpdesk: 'zendesk',
      requesterName: 'Hanako Yamada',
      requesterFirstName: 'Hanako',
      requesterPhone: '+81 90-1234-0001',
      requesterLanguage: 'ja',
    });
  });

  it('tells the first name only where the name shows it: Latin script, two words or more', () => {
    expect(givenName('Hanako Yamada')).toBe('Hanako');
    expect(givenName('  Anne-Marie  O’Neil ')).toBe('Anne-Marie');
    expect(givenName('山田 花子')).toBeNull();
    expect(givenName('Madonna')).toBeNull();
    expect(givenName(null)).toBeNull();
  });

  it('tells no language when the requester has none', async () => {
    const { client } = fakeClient({ 'ticket.id': 1, 'ticket.requester': { ...requester, locale: undefined } });
    expect((await createZendeskHost(client).ticket()).requesterLanguage).toBeNull();
  });

  it('prefers the configured phone field, and falls back to the requester when it is empty', async () => {
    const path = 'ticket.customField:custom_field_360001';
    const filled = fakeClient(
      { 'ticket.id': 1, 'ticket.requester': requester, [path]: '+81 80-0000-1111' },
      { phone_field: '360001' },
    );
    expect((await createZendeskHost(filled.client).ticket()).requesterPhone).toBe('+81 80-0000-1111');
    const empty = fakeClient({ 'ticket.id': 1, 'ticket.requester': requester, [path]: '' }, { phone_field: '360001' });
    expect((await createZendeskHost(empty.client).ticket()).requesterPhone).toBe('+81 90-1234-0001');
    const none = fakeClient({ 'ticket.id': 1, 'ticket.requester': { name: 'No Phone', identities: [] } });
    expect((await createZendeskHost(none.client).ticket()).requesterPhone).toBeNull();
  });

  it('maps the phone field setting to a ZAF path', () => {
    expect(phoneFieldPath('')).toBeNull();
    expect(phoneFieldPath(undefined)).toBeNull();
    expect(phoneFieldPath(' 360001 ')).toBe('ticket.customField:custom_field_360001');
    expect(phoneFieldPath('whatsapp_number')).toBe('ticket.requester.customField:whatsapp_number');
    expect(phoneFieldPath('ticket.customField:custom_field_9')).toBe('ticket.customField:custom_field_9');
  });

  it('speaks Japanese to ja* locales and English to the rest', async () => {
    for (const [zendeskLocale, panelLocale] of [
      ['ja', 'ja'],
      ['ja-JP', 'ja'],
      ['en-US', 'en'],
      ['fr', 'en'],
      [null, 'en'],
    ]) {
      const { client } = fakeClient({ 'currentUser.locale': zendeskLocale });
      expect(await createZendeskHost(client).locale()).toBe(panelLocale);
    }
  });

  it('calls the bridge through Zendesk’s proxy with the secure-setting placeholder, never a token', async () => {
    const fake = fakeClient({});
    const answer = await createZendeskHost(fake.client).request({
      method: 'POST',
      path: '/v1/messages',
      body: { to: '+819012340001' },
      headers: { 'Idempotency-Key': 'k1', Authorization: 'Bearer stolen' },
    });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(fake.requests[0]).toEqual({
      url: 'https://bridge.example.com/v1/messages',
      type: 'POST',
      contentType: 'application/json',
      data: '{"to":"+819012340001"}',
      headers: { Accept: 'application/json', 'Idempotency-Key': 'k1', Authorization: 'Bearer {{setting.installation_token}}' },
      secure: true,
      cors: false,
      httpCompleteResponse: true,
    });
  });

  it('resolves HTTP errors as answers and rejects only when the bridge was not reached', async () => {
    const fake = fakeClient({});
    const host = createZendeskHost(fake.client);
    fake.answerWith(() => Promise.reject({ status: 409, responseText: '{"code":"window_closed"}' }));
    expect(await host.request({ method: 'GET', path: '/v1/x' })).toEqual({ status: 409, body: { code: 'window_closed' } });
    fake.answerWith(async () => ({ status: 204, responseText: '' }));
    expect(await host.request({ method: 'DELETE', path: '/v1/x' })).toEqual({ status: 204, body: null });
    fake.answerWith(() => Promise.reject({ status: 0, statusText: 'error' }));
    await expect(host.request({ method: 'GET', path: '/v1/x' })).rejects.toThrow(/could not be reached/);
  });

  it('resizes through invoke and subscribes and unsubscribes ticket events', () => {
    const fake = fakeClient({});
    const host = createZendeskHost(fake.client);
    host.resize(321.4);
    expect(fake.invocations).toEqual([['resize', { width: '100%', height: '322px' }]]);
    let changes = 0;
    const unsubscribe = host.onTicketChanged(() => changes++);
    for (const event of ticketChangeEvents) for (const handler of fake.handlers.get(event) ?? []) handler({});
    expect(changes).toBe(ticketChangeEvents.length);
    unsubscribe();
    expect(ticketChangeEvents.every((event) => (fake.handlers.get(event) ?? []).length === 0)).toBe(true);
  });
});
