import { Agent, request as undiciRequest } from 'undici';

/**
 * One HTTP exchange from the bridge to another service (Meta's Graph API, Zendesk's push): a request out, its whole
 * answer back as text, within one deadline for the lot.
 *
 * The default is undici's `request` over one keep-alive pool per origin. Node's global fetch is undici too, but its
 * WHATWG layer (Request, Headers, web streams, Response) and `AbortSignal.timeout` cost about 350 µs more CPU per
 * call (440–560 µs against 110–140 µs for a loopback call, client and server together, measured both ways in one
 * process). A send makes one such call, and a customer's message one push to a linked Zendesk. Tests can still hand
 * Meta's client a scripted fetch (`fetchExchange`).
 */
export interface OutboundRequest {
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  /** A form is sent as multipart/form-data with its boundary in the Content-Type set here. */
  body?: string | Uint8Array | FormData;
  /** The deadline of the whole exchange: connecting, sending, and reading the last byte of the answer. */
  timeoutMs: number;
}

export interface OutboundAnswer {
  status: number;
  /** A header of the answer by its name (any case); several of one name are joined with ", ". */
  header(name: string): string | null;
  text: string;
}

export type HttpExchange = (url: URL, request: OutboundRequest) => Promise<OutboundAnswer>;

/** The exchange took longer than its deadline. Named as `AbortSignal.timeout`'s error, which fetch throws. */
export class ExchangeTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no whole answer within ${timeoutMs} ms`);
  }
}

/**
 * The bridge's default exchange. Each origin keeps up to `connectionsPerOrigin` sockets open between calls. A
 * network failure rejects with undici's error, which carries the system's `code` (ECONNREFUSED, UND_ERR_SOCKET…)
 * on itself, where fetch would have put it on its `cause`.
 */
export function undiciExchange(options: { connectionsPerOrigin?: number } = {}): HttpExchange & { close(): Promise<void> } {
  const agent = new Agent({ connections: options.connectionsPerOrigin ?? 64 });
  const exchange = async (url: URL, request: OutboundRequest): Promise<OutboundAnswer> => {
    const controller = new AbortController();
    // Made only when it happens: an Error captures a stack trace, which every call would otherwise pay for.
    let timedOut: ExchangeTimeoutError | undefined;
    const timer = setTimeout(() => {
      timedOut = new ExchangeTimeoutError(request.timeoutMs);
      controller.abort(timedOut);
    }, request.timeoutMs);
    try {
      const { headers, body } = await encodedBody(request);
      const answer = await undiciRequest(url, {
        dispatcher: agent,
        method: request.method,
        headers,
        body,
        signal: controller.signal,
        // The deadline above is the only timeout: undici's own (300 s by default) would only be longer.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      const text = await answer.body.text();
      return {
        status: answer.statusCode,
        header: (name) => {
          const value = answer.headers[name.toLowerCase()];
          if (value === undefined) return null;
          return Array.isArray(value) ? value.join(', ') : value;
        },
        text,
      };
    } catch (error) {
      // undici rejects with the abort's reason; a body cut short by it may surface as another error.
      throw timedOut ?? error;
    } finally {
      clearTimeout(timer);
    }
  };
  return Object.assign(exchange, { close: () => agent.close() });
}

/**
 * A form is encoded by Node's own multipart encoder (the global `Response`'s, the same one fetch uses): undici's
 * package recognises only its own FormData class, not the global one the client builds.
 */
async function encodedBody(
  request: OutboundRequest,
): Promise<{ headers: Record<string, string>; body: string | Uint8Array | null }> {
  if (!(request.body instanceof FormData)) return { headers: request.headers, body: request.body ?? null };
  const encoded = new Response(request.body);
  const contentType = encoded.headers.get('content-type');
  const body = new Uint8Array(await encoded.arrayBuffer());
  return { headers: contentType === null ? request.headers : { ...request.headers, 'content-type': contentType }, body };
}

/** The exchange over a fetch function: for tests that script Meta's answers as `Response`s. */
export function fetchExchange(fetchImpl: typeof fetch): HttpExchange {
  return async (url, request) => {
    const response = await fetchImpl(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, header: (name) => response.headers.get(name), text };
  };
}
