/**
 * The simulated helpdesks' outgoing HTTP calls (manifest fetch, admin UI, pull, channelback, reply push, file
 * downloads). Every call has a timeout and is aborted when the sandbox stops, so a stuck integration can neither
 * pin a test nor keep a closed sandbox's process alive.
 */
export interface OutboundAnswer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text(): string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json(): unknown;
}

export class OutboundError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

export class Outbound {
  private readonly inFlight = new Set<AbortController>();

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; bytesMax?: number },
  ): Promise<OutboundAnswer> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(
      () => controller.abort(new OutboundError(`no answer within ${init.timeoutMs} ms`, true)),
      init.timeoutMs,
    );
    try {
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        body: init.body,
        signal: controller.signal,
        redirect: 'manual',
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (init.bytesMax !== undefined && bytes.length > init.bytesMax) {
        throw new OutboundError(`the answer exceeds ${init.bytesMax} bytes`, false);
      }
      return {
        status: response.status,
        headers: response.headers,
        bytes,
        text: () => bytes.toString('utf8'),
        json: () => {
          try {
            return JSON.parse(bytes.toString('utf8'));
          } catch {
            return undefined;
          }
        },
      };
    } catch (error) {
      if (error instanceof OutboundError) throw error;
      const reason = controller.signal.reason;
      if (reason instanceof OutboundError) throw reason;
      throw new OutboundError(
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error),
        false,
      );
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /** POSTs `application/x-www-form-urlencoded`; array values repeat their key (`file_urls[]=a&file_urls[]=b`). */
  postForm(url: string, fields: Record<string, string | string[]>, timeoutMs: number): Promise<OutboundAnswer> {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
    }
    return this.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeoutMs,
    });
  }

  postJson(url: string, body: unknown, timeoutMs: number): Promise<OutboundAnswer> {
    return this.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs,
    });
  }

  abortAll(): void {
    for (const controller of this.inFlight) controller.abort(new OutboundError('the sandbox stopped', false));
    this.inFlight.clear();
  }
}

/** The delay a 429 or 503 asks for: `Retry-After` in seconds (or an HTTP date), undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}
