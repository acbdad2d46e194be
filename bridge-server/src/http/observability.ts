import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { routes } from '@wabridge/shared';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Query parameters whose values are secrets (Meta's webhook handshake, tokens) and never reach a log. */
const secretQueryParameter = /token|secret|signature|password|key/i;

/** The request path and query for logs, with secret values replaced. */
export function loggableUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  if (query === undefined) return url;
  const parameters = new URLSearchParams(query);
  for (const name of new Set(parameters.keys())) {
    if (secretQueryParameter.test(name)) parameters.set(name, '[redacted]');
  }
  return `${path}?${parameters.toString()}`;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * How loud a request's log line is. Failures of ours (5xx: a thrown error is answered with one) are errors; a request that was wrong or not
 * allowed (400, 401, 403, 404, 422, 429…) is a warning. A 409 is neither: it answers a sound request with the state
 * of things (the window is closed, no prices are configured, the same Idempotency-Key is still in flight), and the
 * sidebar asks such questions on every load, so at warn it would fill the terminal with lines that need no action.
 */
export function requestLogLevel(
  statusCode: number,
  { routePath, shed = false }: { routePath?: unknown; shed?: unknown } = {},
): 'error' | 'warn' | 'info' | 'debug' {
  // A webhook refused for the backlog (webhooks/backlog.ts) is load shed on purpose: its router logs one warning for
  // a period, not an error a request.
  if (shed === true) return 'debug';
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400 && statusCode !== 409) return 'warn';
  // Meta's acknowledged webhooks are the bulk of the traffic (thousands a second on a busy number): a line each at info
  // would be most of the log and a measurable share of the CPU. /metrics counts them; refusals still log as above.
  if (routePath === routes.receiveMetaWebhook.path) return 'debug';
  return 'info';
}

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id (X-Request-Id), set by `requestLogging`. */
    id?: string;
    /** A logger whose lines carry this request's id, set by `requestLogging`. */
    log?: Logger;
  }
}

/**
 * One JSON log line per request with a request id (the caller's X-Request-Id when well-formed, else a fresh UUID,
 * echoed in the response), at the level `requestLogLevel` gives. Headers that carry credentials are never logged, nor
 * are bodies, so message text and secrets in payloads cannot leak into logs; the URL's secret query values are
 * redacted.
 *
 * Ours rather than pino-http: pino-http builds a child logger with the serialised request for every request, before
 * knowing whether anything will be logged. Meta's webhooks log nothing at the default level, yet paid for it: with this
 * middleware the server thread's time per stored webhook fell from 251–268 µs to 208–210 µs (test/BENCHMARKS.md,
 * session 11). Here the line is built only when its level is enabled, and `request.log` only when a handler asks.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (request, response, next) => {
    logRequest(logger, request, response, request.originalUrl, response.locals);
    next();
  };
}

/**
 * What a handler tells the request log and the metrics about its request: Express's `response.locals`, or the
 * webhook ingress's own (webhooks/ingress.ts), read when the answer is sent.
 */
export interface RequestFacts {
  routePath?: unknown;
  shed?: unknown;
}

/**
 * `requestLogging` for any request, Express's or not: gives it its id (echoed in `X-Request-Id`) and `request.log`,
 * and logs it once it is answered or closed. `url` is the path and query as received.
 */
export function logRequest(
  logger: Logger,
  request: IncomingMessage,
  response: ServerResponse,
  url: string,
  facts: RequestFacts,
): void {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  request.id = id;
  let child: Logger | undefined;
  Object.defineProperty(request, 'log', {
    configurable: true,
    enumerable: false,
    get: () => {
      child ??= logger.child({ req: { id } });
      return child;
    },
  });
  const startedAt = performance.now();
  const done = () => {
    response.off('finish', done);
    response.off('close', done);
    const answered = response.writableFinished;
    const level = requestLogLevel(response.statusCode, facts);
    if (!logger.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      req: {
        id,
        method: request.method,
        url: loggableUrl(url),
        remoteAddress: request.socket.remoteAddress,
        userAgent: request.headers['user-agent'],
      },
      res: { statusCode: answered ? response.statusCode : null },
      responseTime: Math.round(performance.now() - startedAt),
    };
    if (response.statusCode >= 500) line.err = new Error(`failed with status code ${response.statusCode}`);
    logger[level](
      line,
      answered ? `${request.method} ${response.statusCode}` : `${request.method} closed before the answer was sent`,
    );
  };
  response.on('finish', done);
  response.on('close', done);
}

export interface HttpMetrics {
  registry: Registry;
  middleware: RequestHandler;
  /** The middleware for any request, Express's or not: counts and times it when it is answered. */
  track(response: ServerResponse, facts: RequestFacts): void;
}

/**
 * Prometheus metrics: request counts and latency by contract route (never the raw URL, which would
 * carry ids and explode cardinality), method and status, plus Node's default process metrics.
 */
export function httpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'wabridge_http_requests_total',
    help: 'HTTP requests answered, by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'wabridge_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    // Finer below 250 ms, where Meta's webhook latency target (median ≤ 250 ms) sits.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const track = (response: ServerResponse, facts: RequestFacts) => {
    const stop = duration.startTimer();
    response.on('finish', () => {
      const labels = {
        route: typeof facts.routePath === 'string' ? facts.routePath : 'unmatched',
        method: response.req.method ?? 'unknown',
        status: String(response.statusCode),
      };
      requests.inc(labels);
      stop(labels);
    });
  };
  const middleware: RequestHandler = (_request, response, next) => {
    track(response, response.locals);
    next();
  };
  return { registry, middleware, track };
}

/** What the wallet audit metrics read: the last audit of this process, undefined before the first. */
export interface WalletAuditResult {
  accountsAudited: number;
  accountsMismatched: number;
  finishedAt: Date;
}

/**
 * The wallet audit's result (wallet/audit-worker.ts) as gauges read at each scrape. Alert on
 * `wabridge_wallet_audit_mismatched_accounts > 0`, and on a last audit older than a few intervals. Before the
 * first audit every gauge reads 0.
 */
export function registerWalletAuditMetrics(registry: Registry, latest: () => WalletAuditResult | undefined): void {
  const gauge = (name: string, help: string, read: (result: WalletAuditResult) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const result = latest();
        this.set(result === undefined ? 0 : read(result));
      },
    });
  gauge('wabridge_wallet_audit_accounts', 'Accounts checked by the last wallet audit.', (result) => result.accountsAudited);
  gauge(
    'wabridge_wallet_audit_mismatched_accounts',
    'Accounts whose wallet disagreed with its ledger in the last wallet audit.',
    (result) => result.accountsMismatched,
  );
  gauge(
    'wabridge_wallet_audit_last_run_timestamp_seconds',
    'When the last wallet audit finished, in Unix seconds.',
    (result) => result.finishedAt.getTime() / 1000,
  );
}
