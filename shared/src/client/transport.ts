/*
 * How the client reaches the bridge. A transport sends one request and resolves with whatever HTTP answer came
 * back, errors included; it rejects only when nothing answered. The panel's transport is the helpdesk host's
 * proxy (Zendesk's `client.request`, Zoho's `ZOHODESK.request`, both behind the panel's `HelpdeskHost`); tests
 * and the admin console use `fetchTransport`.
 */

export interface BridgeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path on the bridge, starting with `/`, query string included. */
  path: string;
  /** JSON body; the transport serialises it. */
  body?: unknown;
  /**
   * A body that is not JSON (a CSV, a file) with its Content-Type. Only `fetchTransport` carries these: the
   * helpdesks' proxies are used for JSON only.
   */
  rawBody?: { bytes: string | Uint8Array; contentType: string };
  headers?: Record<string, string>;
}

export interface BridgeResponse {
  status: number;
  /** Parsed JSON (problem+json for errors), the text of any other answer (a CSV), or null for an empty answer. */
  body: unknown;
}

export type Transport = (request: BridgeRequest) => Promise<BridgeResponse>;

export interface FetchTransportOptions {
  /** The bridge's base URL, without a trailing slash: `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The bearer token (the administrator's or an installation's), or null to send none. */
  token: string | null;
  fetch?: typeof globalThis.fetch;
}

/** A transport over `fetch`, for tests, scripts and the admin console. */
export function fetchTransport(options: FetchTransportOptions): Transport {
  const send = options.fetch ?? globalThis.fetch;
  return async (request) => {
    const headers: Record<string, string> = { ...request.headers };
    if (options.token !== null) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (request.rawBody !== undefined) {
      headers['content-type'] = request.rawBody.contentType;
      const { bytes } = request.rawBody;
      // A copy on its own ArrayBuffer: fetch takes no view of a shared or resizable one.
      body = typeof bytes === 'string' ? bytes : new Uint8Array(bytes);
    } else if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    const response = await send(`${options.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const isJson = /^application\/([\w.+-]+\+)?json\b/i.test(contentType);
    return { status: response.status, body: text === '' ? null : isJson ? parseJson(text) : text };
  };
}

/** A body that says it is JSON but is not is left as text: the client then reports an unexpected answer. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
