import type { ServerResponse } from 'node:http';
import { type ProblemCode, problemCatalogue, problemTypeUri } from '@wabridge/shared';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, type DomainErrorMapping } from '../domain/errors.js';
import { databaseUnavailable, isDatabaseUnavailable } from './database-unavailable.js';

/** What the API answers for a domain error: the catalogue's status, the headers its code carries, the problem's members. */
export interface HttpProblem {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** RFC 6750 §3: a request refused for its bearer token says which scheme and realm it needs. */
const bearerChallenge = { 'WWW-Authenticate': 'Bearer realm="wabridge"' };

/**
 * The headers a problem carries, by code: the bearer challenge with each refused token, and `Retry-After`
 * (RFC 9110 §10.2.3) where the client is told to wait before authenticating again or before the database is back.
 */
const headersByCode: Partial<Record<ProblemCode, (error: DomainError) => Record<string, string>>> = {
  unauthorized: () => bearerChallenge,
  invalid_token: () => bearerChallenge,
  token_revoked: () => bearerChallenge,
  too_many_auth_failures: (error) => retryAfter(error),
  // The database was unreachable (http/database-unavailable.ts): Meta retries the webhook, a panel tries again.
  database_unavailable: (error) => retryAfter(error),
  // Over the webhook backlog's bound (webhooks/backlog.ts): Meta delivers the webhook again later.
  webhook_backlog_full: (error) => retryAfter(error),
};

function retryAfter(error: DomainError): Record<string, string> {
  return error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
}

/** The members a problem adds to RFC 9457's: the error's facts and, when known, how long to wait. */
export function problemExtensions(error: DomainError): Record<string, unknown> {
  return {
    ...error.facts,
    ...(error.retryAfterSeconds === undefined ? {} : { retry_after_seconds: error.retryAfterSeconds }),
  };
}

/** The HTTP edge's one mapping of a domain error (RFC 9457 problem+json with our stable `code`). */
export const httpProblemOf: DomainErrorMapping<HttpProblem> = (error) => {
  const { status, title } = problemCatalogue[error.code];
  return {
    status,
    headers: headersByCode[error.code]?.(error) ?? {},
    body: { type: problemTypeUri(error.code), title, status, detail: error.detail, code: error.code },
  };
};

/** The problem+json document for `error`: `instance` is the request's path, `requestId` its X-Request-Id when it has one. */
export function problemDocument(error: DomainError, instance: string, requestId: unknown): string {
  return JSON.stringify({
    ...httpProblemOf(error).body,
    instance,
    ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
    ...problemExtensions(error),
  });
}

export function sendProblem(response: Response, error: DomainError): void {
  const problem = httpProblemOf(error);
  response
    .status(problem.status)
    .set(problem.headers)
    .type('application/problem+json')
    .send(problemDocument(error, response.req.originalUrl.split('?')[0] ?? '', response.getHeader('x-request-id')));
}

/** `sendProblem` for a response that Express never saw (webhooks/ingress.ts): the same status, headers and document. */
export function writeProblem(response: ServerResponse, error: DomainError, instance: string): void {
  const problem = httpProblemOf(error);
  const document = problemDocument(error, instance, response.getHeader('x-request-id'));
  response.writeHead(problem.status, {
    ...problem.headers,
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(document),
  });
  response.end(document);
}

/**
 * What an error that no handler turned into a problem answers: the database being away is 503 with Retry-After
 * (Meta delivers a webhook again, a panel asks again), anything else is ours, a 500 logged as an error.
 */
export function problemOfFailure(error: unknown, log: Logger): DomainError {
  if (error instanceof DomainError) return error;
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: error }, 'database unavailable: answered 503 with Retry-After');
    return databaseUnavailable();
  }
  log.error({ err: error }, 'unhandled error');
  return new DomainError('internal_error', 'Something failed inside the bridge; see its logs.');
}
