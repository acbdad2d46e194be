import * as z from 'zod';
import { DomainError } from '../../domain/errors.js';

/*
 * Zoho's OAuth and Desk API, as the bridge calls them for a linked organisation.
 *
 * - Tokens: `POST {accounts server}/oauth/v2/token` with grant_type=refresh_token, client_id, client_secret and
 *   refresh_token answers `{access_token, api_domain, token_type, expires_in}` (Zoho's OAuth guide,
 *   zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html); a refusal comes as HTTP 200 with
 *   `{"error": "invalid_code"}` or `invalid_client`. The accounts server and the API domain depend on the
 *   organisation's data centre (zoho.com/accounts/protocol/oauth/multi-dc.html): the API domain is taken from the
 *   token answer, never assumed to be .com.
 * - Desk API: `Authorization: Zoho-oauthtoken <token>` and the `orgId` header; errors `{errorCode, message}`
 *   (desk.zoho.com/DeskAPIDocument#Introduction, #Errors). Zoho Desk's API lives on desk.zoho.<dc>/api/v1 while
 *   api_domain names www.zohoapis.<dc> (inferred from the multi-DC table; the sandbox serves both on one origin).
 */

/** Zoho's data centres: accounts.zoho.<dc> and www.zohoapis.<dc>. */
const dataCentres = ['com', 'eu', 'in', 'com.au', 'jp', 'ca', 'sa', 'uk', 'com.cn'];
/** Renew an access token this long before Zoho's expiry, so a call never starts with a token about to lapse. */
export const accessTokenRenewalMarginMs = 60_000;
/** Attempts per Desk API call for 429 and 5xx answers (Zoho asks clients to slow down; a retry or two is enough). */
const deskAttemptsMax = 3;
/** The longest wait between attempts, whatever Retry-After says: a link check is a request someone waits for. */
const retryDelayMsMax = 10_000;
const requestTimeoutMs = 10_000;

const tokenAnswerSchema = z.union([
  z.object({ access_token: z.string().min(1), api_domain: z.url(), expires_in: z.number().int().positive() }),
  z.object({ error: z.string() }),
]);

export interface ZohoToken {
  accessToken: string;
  apiDomain: string;
  expiresAt: Date;
}

export interface ZohoOAuthClient {
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface ZohoHttp {
  fetch: typeof fetch;
  /** Waits between attempts (injected so tests decide time). */
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  /** Accounts servers accepted besides Zoho's own (config ZOHO_ACCOUNTS_URLS). */
  extraAccountsUrls: readonly string[];
}

const originOf = (url: string) => new URL(url).origin;

/** The accounts server, refused unless it is Zoho's (https://accounts.zoho.<dc>) or configured. */
export function allowedAccountsUrl(http: Pick<ZohoHttp, 'extraAccountsUrls'>, accountsUrl: string): string {
  const origin = originOf(accountsUrl);
  const isZoho = dataCentres.some((dc) => origin === `https://accounts.zoho.${dc}`);
  if (!isZoho && !http.extraAccountsUrls.some((allowed) => originOf(allowed) === origin)) {
    throw new DomainError('zoho_accounts_url_not_allowed', `${origin} is not a Zoho accounts server.`);
  }
  return origin;
}

/** The API domain of a token answer, accepted when it is Zoho's (www.zohoapis.<dc>) or the configured server's own. */
function allowedApiDomain(accountsOrigin: string, apiDomain: string): string {
  const origin = originOf(apiDomain);
  const isZoho = dataCentres.some((dc) => origin === `https://www.zohoapis.${dc}`);
  if (!isZoho && origin !== accountsOrigin) {
    throw new DomainError('zoho_oauth_refused', `Zoho's token answer named an unexpected API domain (${origin}).`);
  }
  return origin;
}

/** Where the Desk API is for an API domain: desk.zoho.<dc> for www.zohoapis.<dc>, else the domain itself (sandbox). */
export function deskApiBase(apiDomain: string): string {
  const match = /^https:\/\/www\.zohoapis\.(.+)$/.exec(apiDomain);
  return match === null ? `${apiDomain}/api/v1` : `https://desk.zoho.${match[1]}/api/v1`;
}

async function send(http: ZohoHttp, url: string, init: RequestInit): Promise<Response> {
  try {
    return await http.fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs), redirect: 'error' });
  } catch (error) {
    throw new DomainError('zoho_unavailable', `Zoho could not be reached (${new URL(url).origin}).`, {}, { cause: error });
  }
}

/** A new access token for the client, with the data centre's API domain. */
export async function refreshAccessToken(http: ZohoHttp, client: ZohoOAuthClient): Promise<ZohoToken> {
  const accountsOrigin = allowedAccountsUrl(http, client.accountsUrl);
  const response = await send(http, `${accountsOrigin}/oauth/v2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      refresh_token: client.refreshToken,
    }).toString(),
  });
  if (response.status >= 500 || response.status === 429) {
    throw new DomainError('zoho_unavailable', `Zoho's accounts server answered HTTP ${response.status}.`);
  }
  const parsed = tokenAnswerSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new DomainError('zoho_oauth_refused', `Zoho's accounts server answered HTTP ${response.status}.`);
  if ('error' in parsed.data) throw new DomainError('zoho_oauth_refused', `Zoho refused the token: ${parsed.data.error}.`);
  return {
    accessToken: parsed.data.access_token,
    apiDomain: allowedApiDomain(accountsOrigin, parsed.data.api_domain),
    expiresAt: new Date(http.now().getTime() + parsed.data.expires_in * 1000),
  };
}

/** Seconds of a Retry-After header (delta-seconds only; Zoho sends those). */
function retryAfterMs(response: Response): number | undefined {
  const value = Number(response.headers.get('retry-after'));
  return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
}

export interface DeskCall {
  path: string;
  orgId: string | undefined;
}

/**
 * A Desk API GET with a token source: 429 and 5xx are retried (after Retry-After when given, else 1 s, 2 s…); a 401
 * INVALID_OAUTH gets one fresh token and one more try (Zoho revokes tokens before their expiry, e.g. when the
 * refresh token's session is revoked).
 */
export async function deskGet(
  http: ZohoHttp,
  tokens: { current(): Promise<ZohoToken>; renew(): Promise<ZohoToken> },
  call: DeskCall,
): Promise<unknown> {
  let token = await tokens.current();
  let renewed = false;
  for (let attempt = 1; ; attempt += 1) {
    const response = await send(http, `${deskApiBase(token.apiDomain)}${call.path}`, {
      headers: {
        Authorization: `Zoho-oauthtoken ${token.accessToken}`,
        ...(call.orgId === undefined ? {} : { orgId: call.orgId }),
      },
    });
    if (response.status === 401 && !renewed) {
      renewed = true;
      token = await tokens.renew();
      continue;
    }
    if ((response.status === 429 || response.status >= 500) && attempt < deskAttemptsMax) {
      await http.sleep(Math.min(retryAfterMs(response) ?? 1000 * 2 ** (attempt - 1), retryDelayMsMax));
      continue;
    }
    if (response.status === 429 || response.status >= 500) {
      throw new DomainError('zoho_unavailable', `Zoho Desk answered HTTP ${response.status} ${attempt} times.`);
    }
    if (response.status === 401) throw new DomainError('zoho_oauth_refused', 'Zoho Desk refused a fresh access token.');
    if (response.status !== 200) {
      const body = (await response.json().catch(() => ({}))) as { errorCode?: string };
      throw new DomainError('zoho_org_not_reachable', `Zoho Desk answered HTTP ${response.status} ${body.errorCode ?? ''}.`);
    }
    return response.json();
  }
}
