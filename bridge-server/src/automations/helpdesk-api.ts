import type { Logger } from 'pino';
import type { OpenConnection, ZohoCredentials } from './connections.js';

/** What one call to a helpdesk's API came to, as a job can act on it. */
export type HelpdeskCallOutcome =
  | { kind: 'ok' }
  /** Temporary: rate limited (with the helpdesk's Retry-After), a 5xx, the network. */
  | { kind: 'retry'; error: string; afterMs?: number }
  /** Will not work as it stands (credentials refused, ticket gone or closed): shown to an administrator. */
  | { kind: 'dead'; error: string };

const timeoutMs = 10_000;
/** A Retry-After beyond this is capped: a job waiting an hour is better re-asked than parked. */
const retryAfterMsMax = 15 * 60_000;

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(retryAfterMsMax, Math.max(0, ms)) : undefined;
}

function classify(response: Response, text: string, what: string): HelpdeskCallOutcome {
  if (response.ok) return { kind: 'ok' };
  const error = `${what}: HTTP ${response.status} ${text.slice(0, 300)}`;
  if (response.status === 429) {
    const afterMs = retryAfterMs(response.headers.get('retry-after'), Date.now());
    return afterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, afterMs };
  }
  if (response.status >= 500 || response.status === 408) return { kind: 'retry', error };
  return { kind: 'dead', error };
}

/**
 * Writes internal notes on tickets through the helpdesk's own API, with the installation's credentials:
 * Zendesk `PUT /api/v2/tickets/{id}.json` with `{ticket: {comment: {body, public: false}}}` and an API token
 * (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket); Zoho Desk
 * `POST /api/v1/tickets/{id}/comments` with `{content, isPublic: false}`, an OAuth access token from the refresh
 * token and the `orgId` header (https://desk.zoho.com/DeskAPIDocument#TicketsComments). Never retries by itself:
 * the job around it does, honouring Retry-After.
 */
export class HelpdeskApi {
  readonly #zohoTokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async #call(url: string, init: RequestInit): Promise<Response | HelpdeskCallOutcome> {
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (error) {
      return { kind: 'retry', error: `helpdesk unreachable: ${(error as Error).message}` };
    }
  }

  async writeNote(connection: OpenConnection, orgId: string, ticketId: string, text: string): Promise<HelpdeskCallOutcome> {
    const { credentials } = connection;
    if (credentials.helpdesk === 'zendesk') {
      const auth = Buffer.from(`${credentials.email}/token:${credentials.api_token}`).toString('base64');
      const answer = await this.#call(`${connection.apiUrl}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`, {
        method: 'PUT',
        headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ticket: { comment: { body: text, public: false } } }),
      });
      if (!(answer instanceof Response)) return answer;
      return classify(answer, await answer.text(), 'Zendesk ticket update');
    }
    return this.#zoho(connection, credentials, orgId, `/api/v1/tickets/${encodeURIComponent(ticketId)}/comments`, {
      method: 'POST',
      body: JSON.stringify({ content: text, isPublic: false, contentType: 'plainText' }),
    }).then((result) => result.outcome);
  }

  /** Whether the ticket is still open (not solved or closed); an outcome when the helpdesk could not say. */
  async ticketOpen(connection: OpenConnection, orgId: string, ticketId: string): Promise<boolean | HelpdeskCallOutcome> {
    const { credentials } = connection;
    if (credentials.helpdesk === 'zendesk') {
      const auth = Buffer.from(`${credentials.email}/token:${credentials.api_token}`).toString('base64');
      const answer = await this.#call(`${connection.apiUrl}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`, {
        method: 'GET',
        headers: { authorization: `Basic ${auth}` },
      });
      if (!(answer instanceof Response)) return answer;
      const text = await answer.text();
      const outcome = classify(answer, text, 'Zendesk ticket');
      if (outcome.kind !== 'ok') return outcome;
      const status = (JSON.parse(text) as { ticket?: { status?: string } }).ticket?.status;
      return status !== 'solved' && status !== 'closed';
    }
    const result = await this.#zoho(connection, credentials, orgId, `/api/v1/tickets/${encodeURIComponent(ticketId)}`, {
      method: 'GET',
    });
    if (result.outcome.kind !== 'ok') return result.outcome;
    return (JSON.parse(result.text) as { status?: string }).status !== 'Closed';
  }

  async #zohoToken(
    connection: OpenConnection,
    credentials: ZohoCredentials,
    refresh: boolean,
  ): Promise<string | HelpdeskCallOutcome> {
    const cached = this.#zohoTokens.get(connection.installationId);
    if (!refresh && cached !== undefined && cached.expiresAt > Date.now()) return cached.token;
    const answer = await this.#call(`${credentials.accounts_url.replace(/\/+$/, '')}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: credentials.client_id,
        client_secret: credentials.client_secret,
        refresh_token: credentials.refresh_token,
      }).toString(),
    });
    if (!(answer instanceof Response)) return answer;
    const text = await answer.text();
    const outcome = classify(answer, text, 'Zoho OAuth token');
    if (outcome.kind !== 'ok') return outcome;
    // Zoho answers a refused refresh token with HTTP 200 and {"error": "invalid_code"}.
    const body = JSON.parse(text) as { access_token?: string; expires_in?: number; error?: string };
    if (body.access_token === undefined)
      return { kind: 'dead', error: `Zoho OAuth refused the refresh token: ${body.error ?? 'no token'}` };
    this.#zohoTokens.set(connection.installationId, {
      token: body.access_token,
      expiresAt: Date.now() + Math.max(60, (body.expires_in ?? 3600) - 60) * 1000,
    });
    return body.access_token;
  }

  async #zoho(
    connection: OpenConnection,
    credentials: ZohoCredentials,
    orgId: string,
    path: string,
    init: RequestInit,
  ): Promise<{ outcome: HelpdeskCallOutcome; text: string }> {
    for (const refresh of [false, true]) {
      const token = await this.#zohoToken(connection, credentials, refresh);
      if (typeof token !== 'string') return { outcome: token, text: '' };
      const answer = await this.#call(`${connection.apiUrl}${path}`, {
        ...init,
        headers: { authorization: `Zoho-oauthtoken ${token}`, orgId, 'content-type': 'application/json' },
      });
      if (!(answer instanceof Response)) return { outcome: answer, text: '' };
      const text = await answer.text();
      // An access token that expired early is refreshed once.
      if (answer.status === 401 && !refresh) {
        this.logger.info({ installationId: connection.installationId }, 'Zoho refused the access token; refreshing it');
        continue;
      }
      return { outcome: classify(answer, text, 'Zoho Desk'), text };
    }
    return { outcome: { kind: 'dead', error: 'Zoho refused a fresh access token' }, text: '' };
  }
}
