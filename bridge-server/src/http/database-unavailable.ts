import { DomainError } from '../domain/errors.js';

/*
 * The database going away under load (PostgreSQL restarted, failed over, or the network to it cut) is not the
 * request's fault and not a bug: the answer is 503 with Retry-After, which Meta honours for webhooks (it retries an
 * unacknowledged webhook) and the panels show as "try again". Nothing was acknowledged: a request's transaction did
 * not commit. The `pg` pool drops a broken client and opens a new one on the next query, so the bridge recovers by
 * itself once the database answers again.
 */

/** Seconds a client should wait: a PostgreSQL restart takes a few seconds. */
export const databaseRetryAfterSeconds = 5;

/** Socket errors of a connection to the database, and `pg`'s own messages when it loses or cannot get one. */
const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const connectionMessages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'terminating connection',
  'the database system is',
];

/**
 * Whether `error` says the database could not be reached: SQLSTATE class 08 (connection exception), 57P01–57P03
 * (admin shutdown, crash shutdown, cannot connect now), or a socket error on the way to it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (connectionErrorCodes.has(code)) return true;
  }
  return typeof message === 'string' && connectionMessages.some((text) => message.includes(text));
}

export function databaseUnavailable(): DomainError {
  return new DomainError(
    'database_unavailable',
    'The bridge could not reach its database; nothing was stored.',
    {},
    {
      retryAfterSeconds: databaseRetryAfterSeconds,
    },
  );
}
