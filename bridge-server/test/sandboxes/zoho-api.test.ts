import { afterEach, describe, expect, it } from 'vitest';
import { call, type Json } from './harness.js';
import { customerThread, customerTicket, startZohoHarness, type ZohoHarness } from './zoho-harness.js';

let harness: ZohoHarness;
afterEach(async () => {
  await harness.close();
});

/** A self client, an access token from the refresh token, and a ticket synced in. */
async function authorised(options: Parameters<typeof startZohoHarness>[1] = {}) {
  harness = await startZohoHarness({}, options);
  const client = (await harness.control('POST', '/sandbox/oauth/clients')).body;
  const token = await call(
    `${harness.url}/oauth/v2/token?${new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: client.client_id,
      client_secret: client.client_secret,
      refresh_token: client.refresh_token,
    })}`,
    'POST',
  );
  harness.behaviour.pull = () => ({
    status: 200,
    body: { data: { tickets: [customerTicket()], threads: [customerThread('wamid.1')] } },
  });
  await harness.pull();
  const ticketId = (await harness.control('GET', '/sandbox/tickets')).body.data[0].id as string;
  return { client, token: token.body as Json, ticketId };
}

const desk = (path: string, token: string | null, orgId: string | null = '60001234567', method = 'GET', body?: unknown) => {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Zoho-oauthtoken ${token}`;
  if (orgId !== null) headers.orgId = orgId;
  return call(`${harness.url}/api/v1${path}`, method, body, headers);
};

describe('OAuth', () => {
  it('answers an access token with the api_domain to call, and the Desk API answers there', async () => {
    const { token, ticketId } = await authorised();
    expect(token).toEqual({
      access_token: expect.stringMatching(/^1000\./),
      api_domain: harness.url,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    const ticket = await call(`${token.api_domain}/api/v1/tickets/${ticketId}`, 'GET', undefined, {
      Authorization: `Zoho-oauthtoken ${token.access_token}`,
      orgId: '60001234567',
    });
    expect(ticket.status).toBe(200);
    expect(ticket.body).toMatchObject({ id: ticketId, subject: 'WhatsApp: Hanako Yamada', status: 'Open', channel: 'WhatsApp' });
  });

  it('takes api_domain from its data centre, not a hard-coded .com', async () => {
    const { token } = await authorised({ apiDomain: 'https://www.zohoapis.jp' });
    expect(token.api_domain).toBe('https://www.zohoapis.jp');
  });

  it('answers HTTP 200 with an error for a wrong refresh token or client, as accounts.zoho does', async () => {
    const { client } = await authorised();
    const form = (fields: Record<string, string>) =>
      fetch(`${harness.url}/oauth/v2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', ...fields }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as Json }));
    const base = { client_id: client.client_id, client_secret: client.client_secret, refresh_token: client.refresh_token };
    expect(await form({ ...base, refresh_token: '1000.nope' })).toEqual({ status: 200, body: { error: 'invalid_code' } });
    expect(await form({ ...base, client_secret: 'wrong' })).toEqual({ status: 200, body: { error: 'invalid_client' } });
    expect((await form(base)).body.access_token).toMatch(/^1000\./);
  });
});

describe('the Desk API', () => {
  it('refuses a missing, wrong or expired token (INVALID_OAUTH) and a missing or foreign orgId', async () => {
    const { token, ticketId } = await authorised();
    expect((await desk(`/tickets/${ticketId}`, null)).body).toEqual({ errorCode: 'INVALID_OAUTH', message: expect.any(String) });
    expect((await desk(`/tickets/${ticketId}`, '1000.wrong')).status).toBe(401);
    const noOrg = await desk(`/tickets/${ticketId}`, token.access_token, null);
    expect(noOrg.status).toBe(422);
    expect(noOrg.body).toMatchObject({ errorCode: 'INVALID_DATA', errors: [{ fieldName: '/orgId', errorType: 'missing' }] });
    const otherOrg = await desk(`/tickets/${ticketId}`, token.access_token, '60009999999');
    expect(otherOrg.body.errorCode).toBe('OAUTH_ORG_MISMATCH');
    expect((await desk('/organizations', token.access_token, null)).body.data[0].id).toBe('60001234567');

    await harness.control('POST', '/sandbox/oauth/expire');
    expect((await desk(`/tickets/${ticketId}`, token.access_token)).body.errorCode).toBe('INVALID_OAUTH');
  });

  it('lists threads with their delivery status, and adds private and public comments', async () => {
    const { token, ticketId } = await authorised();
    const threads = await desk(`/tickets/${ticketId}/threads`, token.access_token);
    expect(threads.body.data).toEqual([
      expect.objectContaining({ direction: 'in', status: 'SUCCESS', content: 'Message wamid.1' }),
    ]);

    const note = await desk(`/tickets/${ticketId}/comments`, token.access_token, '60001234567', 'POST', {
      content: 'Sent from the sidebar',
    });
    expect(note.body).toMatchObject({ content: 'Sent from the sidebar', isPublic: false, contentType: 'plainText' });
    await desk(`/tickets/${ticketId}/comments`, token.access_token, '60001234567', 'POST', { content: 'Public', isPublic: true });
    const comments = await desk(`/tickets/${ticketId}/comments`, token.access_token);
    expect(comments.body.data.map((comment: Json) => comment.isPublic)).toEqual([false, true]);

    const empty = await desk(`/tickets/${ticketId}/comments`, token.access_token, '60001234567', 'POST', { isPublic: true });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0]).toMatchObject({ fieldName: '/content', errorType: 'missing' });
    expect((await desk('/tickets/1', token.access_token)).body.errorCode).toBe('URL_NOT_FOUND');
  });

  it('answers 429 with Retry-After and 5xx as the API fault asks', async () => {
    const { token, ticketId } = await authorised();
    await harness.control('PUT', '/sandbox/faults/api', { mode: 'rate_limited', count: 1, retryAfterSeconds: 30 });
    const limited = await desk(`/tickets/${ticketId}`, token.access_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.body.errorCode).toBe('TOO_MANY_REQUESTS');
    await harness.control('PUT', '/sandbox/faults/api', { mode: 'server_error', httpStatus: 500, count: 1 });
    expect((await desk(`/tickets/${ticketId}`, token.access_token)).status).toBe(500);
    expect((await desk(`/tickets/${ticketId}`, token.access_token)).status).toBe(200);
  });
});
