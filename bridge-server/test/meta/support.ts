import { createServer } from 'node:net';
import { fetchExchange, undiciExchange } from '../../src/http/exchange.js';
import { MetaGraphClient, type MetaGraphClientOptions } from '../../src/meta/client.js';
import { graphVersion } from '../meta-sandbox/harness.js';

/** A client under observation: every call it makes, every backoff it asks for, every log line it writes. */
export interface ClientProbe {
  client: MetaGraphClient;
  fetchCalls: { method: string; url: string; body: string | undefined }[];
  sleeps: number[];
  logLines: Record<string, unknown>[];
}

/**
 * A client whose backoff waits return at once (recorded in `sleeps`) and whose jitter is fixed at 0.5, so
 * delays are exact and tests never sleep. Overrides may replace fetch, sleep, random or the retry policy. Without a
 * scripted fetch the client uses its production exchange (undici's pool).
 */
export function probeClient(baseUrl: string, overrides: Partial<MetaGraphClientOptions> = {}): ClientProbe {
  const probe: Omit<ClientProbe, 'client'> = { fetchCalls: [], sleeps: [], logLines: [] };
  const inner = overrides.exchange ?? (overrides.fetch === undefined ? undiciExchange() : fetchExchange(overrides.fetch));
  const client = new MetaGraphClient({
    baseUrl,
    apiVersion: graphVersion,
    timeoutMs: 2_000,
    random: () => 0.5,
    ...overrides,
    sleep: async (delayMs) => {
      probe.sleeps.push(delayMs);
      await overrides.sleep?.(delayMs);
    },
    logger: { debug: (fields, message) => probe.logLines.push({ ...fields, message }) },
    fetch: undefined,
    exchange: (url, request) => {
      const body = typeof request.body === 'string' ? request.body : undefined;
      probe.fetchCalls.push({ method: request.method, url: String(url), body });
      return inner(url, request);
    },
  });
  return { client, ...probe };
}

/** A port nothing listens on: bound once by us, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A Graph error answer as Meta writes it. */
export function graphErrorResponse(
  httpStatus: number,
  code: number,
  options: { message?: string; details?: string; headers?: Record<string, string> } = {},
): Response {
  const body = {
    error: {
      message: options.message ?? `(#${code}) Error ${code}`,
      type: 'OAuthException',
      code,
      ...(options.details !== undefined ? { error_data: { messaging_product: 'whatsapp', details: options.details } } : {}),
      fbtrace_id: 'AbCdEfGhIjKl',
    },
  };
  return new Response(JSON.stringify(body), {
    status: httpStatus,
    headers: { 'Content-Type': 'application/json', ...options.headers },
  });
}

export function jsonResponse(body: unknown, httpStatus = 200): Response {
  return new Response(JSON.stringify(body), { status: httpStatus, headers: { 'Content-Type': 'application/json' } });
}

/** What Node's fetch throws for a system error: `TypeError('fetch failed')` with the error as cause. */
export function fetchFailure(systemCode: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(systemCode), { code: systemCode }) });
}

/** A fetch that answers from a script, one entry per call; a function entry may look at the request. */
export function scriptedFetch(
  script: (Response | Error | 'hang' | ((input: string | URL | Request) => Response))[],
): typeof fetch & { calls: number } {
  const scripted = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const step = script[scripted.calls];
    scripted.calls += 1;
    if (step === undefined) throw new Error(`scripted fetch has no answer for call ${scripted.calls}`);
    if (step === 'hang') {
      // Like a server that never answers: only the client's timeout signal ends it.
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(input) : step;
  };
  scripted.calls = 0;
  return scripted as typeof fetch & { calls: number };
}

export const phoneStatusBody = {
  id: '106540352242922',
  display_phone_number: '+1 555-078-3881',
  verified_name: 'Sandbox Shop',
  quality_rating: 'GREEN',
};
