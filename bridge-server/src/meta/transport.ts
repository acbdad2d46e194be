import type { HttpExchange, OutboundAnswer } from '../http/exchange.js';
import { MetaApiError, MetaNetworkError, MetaResponseInvalidError, MetaTimeoutError, metaApiErrorFrom } from './errors.js';
import { parseRetryAfterMs } from './retry.js';

/** One HTTP attempt against the Graph API: URL, token header, timeout, JSON, and Meta's errors typed. */

/** The part of a pino logger the client uses; pino's `Logger` fits. */
export interface MetaClientLogger {
  debug(fields: Record<string, unknown>, message: string): void;
}

export interface TransportSettings {
  baseUrl: string;
  apiVersion: string;
  exchange: HttpExchange;
  timeoutMs: number;
  logger: MetaClientLogger | undefined;
}

export interface GraphRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path segments after the version, each encoded: `[phoneNumberId, 'messages']`. */
  pathSegments: string[];
  query?: Record<string, string | undefined>;
  /** Sent as JSON. Never logged: it holds customers' messages. */
  body?: unknown;
  /** Sent as multipart/form-data instead of `body` (media uploads). Never logged either: it holds customers' files. */
  form?: FormData;
  /** Sent as raw bytes instead of `body` (a Resumable Upload's file data). Never logged either. */
  bytes?: Uint8Array;
  /** Headers the call needs beyond the token's (the Resumable Upload's `file_offset`, which must be a header). */
  headers?: Record<string, string>;
  /** `OAuth` where Meta documents that scheme (the Resumable Upload's upload step); `Bearer` otherwise. */
  authorizationScheme?: 'Bearer' | 'OAuth';
  /** This call's timeout when it differs from the client's (an upload carries a whole file). */
  timeoutMs?: number;
}

/**
 * System error codes that Node raises before a connection exists, so before a single byte of the request was
 * written: Meta cannot have seen the request.
 */
const connectPhaseSystemCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * undici's `request` rejects with the system error itself (its `code`: ECONNREFUSED, UND_ERR_SOCKET…); Node's fetch
 * rejects with `TypeError('fetch failed')` and the system error as `cause`.
 */
function systemCodeOf(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (typeof cause !== 'object' || cause === null) return undefined;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // With several addresses (happy eyeballs) Node reports an AggregateError of per-address failures.
  const first = (cause as { errors?: { code?: unknown }[] }).errors?.[0]?.code;
  return typeof first === 'string' ? first : undefined;
}

function failureOf(error: unknown, timeoutMs: number): MetaTimeoutError | MetaNetworkError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new MetaTimeoutError(timeoutMs);
  }
  const systemCode = systemCodeOf(error);
  const requestSent = systemCode === undefined || !connectPhaseSystemCodes.has(systemCode);
  return new MetaNetworkError(systemCode, requestSent, { cause: error });
}

export function graphUrl(settings: TransportSettings, request: GraphRequest): URL {
  // A colon stays as it is: Meta's upload session ids are `upload:…` and are written so in Meta's examples.
  const path = request.pathSegments.map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':')).join('/');
  const url = new URL(`${settings.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(settings.apiVersion)}/${path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A non-2xx answer: Meta's typed error when the body is a Graph error, otherwise an unreadable answer. */
function errorAnswer(response: OutboundAnswer, body: unknown): MetaApiError | MetaResponseInvalidError {
  const retryAfterMs = parseRetryAfterMs(response.header('retry-after'), Date.now());
  return (
    metaApiErrorFrom({ source: 'graph_response', httpStatus: response.status, body, retryAfterMs }) ??
    new MetaResponseInvalidError(response.status, 'not a Graph error body')
  );
}

function requestBody(request: GraphRequest): string | FormData | Uint8Array | undefined {
  if (request.form !== undefined) return request.form;
  if (request.bytes !== undefined) return request.bytes;
  return request.body === undefined ? undefined : JSON.stringify(request.body);
}

function exchange(settings: TransportSettings, accessToken: string, request: GraphRequest, url: URL): Promise<OutboundAnswer> {
  const headers: Record<string, string> = {
    ...request.headers,
    Authorization: `${request.authorizationScheme ?? 'Bearer'} ${accessToken}`,
    Accept: 'application/json',
  };
  // A form's Content-Type (with its boundary) is set by the exchange.
  if (request.body !== undefined && request.form === undefined) headers['Content-Type'] = 'application/json';
  // One deadline for the whole exchange: a Meta that sends headers and then stalls is as stuck as a silent one.
  return settings.exchange(url, {
    method: request.method,
    headers,
    body: requestBody(request),
    timeoutMs: timeoutMsOf(settings, request),
  });
}

function timeoutMsOf(settings: TransportSettings, request: GraphRequest): number {
  return request.timeoutMs ?? settings.timeoutMs;
}

/**
 * Makes one attempt and returns the status and parsed JSON of a 2xx answer. Throws MetaApiError (Meta refused),
 * MetaTimeoutError, MetaNetworkError or MetaResponseInvalidError. Logs one debug line: method, path (ids
 * only; the token travels in a header and never in the URL), status, attempt, duration — never the body.
 */
export async function graphAttempt(
  settings: TransportSettings,
  accessToken: string,
  request: GraphRequest,
  attemptNumber: number,
): Promise<{ httpStatus: number; body: unknown }> {
  const url = graphUrl(settings, request);
  const startedAtMs = Date.now();
  let status: number | undefined;
  let outcome = 'ok';
  try {
    const response = await exchange(settings, accessToken, request, url).catch((error: unknown) => {
      throw failureOf(error, timeoutMsOf(settings, request));
    });
    status = response.status;
    const json = parseJson(response.text);
    if (status < 200 || status > 299) throw errorAnswer(response, json.ok ? json.value : undefined);
    if (!json.ok) throw new MetaResponseInvalidError(response.status, 'the body is not JSON');
    return { httpStatus: response.status, body: json.value };
  } catch (error) {
    outcome = error instanceof MetaApiError ? `meta_error_${error.code}` : error instanceof Error ? error.name : 'error';
    throw error;
  } finally {
    settings.logger?.debug(
      {
        method: request.method,
        path: url.pathname,
        status,
        attempt: attemptNumber,
        durationMs: Date.now() - startedAtMs,
        outcome,
      },
      'meta graph call',
    );
  }
}
