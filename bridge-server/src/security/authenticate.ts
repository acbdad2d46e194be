import type { RouteDefinition } from '@wabridge/shared';
import type { Request, Response } from 'express';
import { type Kysely, sql } from 'kysely';
import { changesSomething, checkOrigin, sessionCookieOf } from '../console/cookie.js';
import { actorOf, type ConsoleActor, findSession } from '../console/store.js';
import { DomainError } from '../domain/errors.js';
import type { Caller } from '../http/caller.js';
import type { Schema } from '../storage/schema.js';
import { batchedPerTurn } from '../storage/turn-batch.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import { secretsEqual, sha256Hex } from './tokens.js';

export type Authenticate = (
  request: Request,
  response: Response,
  route: Pick<RouteDefinition, 'auth' | 'accountAdmin'>,
) => Promise<Caller>;

/** Set on `response.locals` when a console session authenticated the request: the audit records who it was. */
export interface ConsoleLocals {
  consoleActor?: ConsoleActor;
}

/**
 * Establishes the caller from `Authorization: Bearer <token>`: the administrator token (compared in
 * constant time) or an installation token (looked up by its SHA-256; the hash is what is stored).
 * Every failed attempt counts against the client; a client over the limit is refused with 429 even
 * before its token is checked, so guessing cannot continue.
 */
/** Refuses a client over its failed-authentication limit (429), before any secret it sent is checked. */
export async function refuseOverLimit(limiter: AuthFailureLimiter, clientKey: string): Promise<void> {
  const retryAfter = await limiter.retryAfterSeconds(clientKey);
  if (retryAfter > 0) {
    throw new DomainError(
      'too_many_auth_failures',
      `Too many failed authentications from this client; retry in ${retryAfter} s.`,
      {},
      { retryAfterSeconds: retryAfter },
    );
  }
}

export function createAuthenticator(
  db: Kysely<Schema>,
  adminToken: string,
  limiter: AuthFailureLimiter,
  publicUrl: string,
): Authenticate {
  interface LookupKey {
    clientKey: string;
    windowStart: Date;
    tokenSha256: string | null;
  }
  interface Found {
    failures: number;
    installation:
      | { id: string; deployment_id: string; helpdesk: 'zendesk' | 'zoho'; revoked_at: Date | null; account_id: string }
      | undefined;
  }

  /**
   * The client's failures in the current window and, for an installation token, its installation, for every request
   * authenticating in the same turn of the event loop: one statement (storage/turn-batch.ts) where each request used to
   * send its own. Nothing about a token is cached, so a revocation is in force at once on every replica.
   */
  const lookUpAll = batchedPerTurn<LookupKey, Found>(async (keys) => {
    const { rows } = await sql<{
      n: number;
      failures: number | null;
      id: string | null;
      deployment_id: string | null;
      helpdesk: 'zendesk' | 'zoho' | null;
      revoked_at: Date | null;
      account_id: string | null;
    }>`
      SELECT k.n::int AS n, f.failures, i.id, i.deployment_id, i.helpdesk, i.revoked_at, d.account_id
      FROM unnest(${keys.map((key) => key.clientKey)}::text[], ${keys.map((key) => key.windowStart)}::timestamptz[],
                  ${keys.map((key) => key.tokenSha256)}::text[]) WITH ORDINALITY AS k (client_key, window_start, token_sha256, n)
      LEFT JOIN auth_failures f ON f.client_key = k.client_key AND f.window_start = k.window_start
      LEFT JOIN installations i ON i.token_sha256 = k.token_sha256
      LEFT JOIN deployments d ON d.id = i.deployment_id`.execute(db);
    const found = keys.map((): Found => ({ failures: 0, installation: undefined }));
    for (const row of rows) {
      found[row.n - 1] = {
        failures: row.failures ?? 0,
        installation:
          row.id === null || row.deployment_id === null || row.helpdesk === null || row.account_id === null
            ? undefined
            : {
                id: row.id,
                deployment_id: row.deployment_id,
                helpdesk: row.helpdesk,
                revoked_at: row.revoked_at,
                account_id: row.account_id,
              },
      };
    }
    return found;
  });

  /**
   * A request without an Authorization header but with the console's session cookie (console/cookie.ts): the
   * operator's session is the administrator, an account admin's is confined to its account. An ended or unknown
   * session counts as a failed authentication.
   */
  async function fromSession(request: Request, response: Response, token: string): Promise<Caller> {
    const clientKey = `ip:${request.ip ?? 'unknown'}`;
    await refuseOverLimit(limiter, clientKey);
    const session = await findSession(db, token);
    if (session === undefined || !session.live) {
      await limiter.recordFailure(clientKey);
      throw new DomainError('session_required', 'The console session has ended; sign in again.');
    }
    if (changesSomething(request)) checkOrigin(request, publicUrl);
    (response.locals as ConsoleLocals).consoleActor = actorOf(session);
    return session.kind === 'operator' || session.adminId === null || session.accountId === null
      ? { kind: 'admin' }
      : { kind: 'account_admin', adminId: session.adminId, accountId: session.accountId };
  }

  function checkRequirement(caller: Caller, route: Pick<RouteDefinition, 'auth' | 'accountAdmin'>): Caller {
    const requirement = route.auth;
    if (requirement === 'admin' && caller.kind === 'account_admin' && route.accountAdmin !== true) {
      throw new DomainError('operator_required', 'Only the bridge operator may do this.');
    }
    if (requirement === 'admin' && caller.kind === 'installation') {
      throw new DomainError('admin_required', 'This endpoint needs the administrator token.');
    }
    if (requirement === 'installation' && caller.kind !== 'installation') {
      throw new DomainError('installation_required', 'This endpoint acts for one installation: use its token.');
    }
    return caller;
  }

  return async function authenticate(request, response, route) {
    const header = request.get('authorization');
    const sessionToken = header === undefined ? sessionCookieOf(request) : undefined;
    if (sessionToken !== undefined) return checkRequirement(await fromSession(request, response, sessionToken), route);
    if (header === undefined) {
      throw new DomainError('unauthorized', 'This endpoint needs an Authorization: Bearer <token> header.');
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (match === null) {
      throw new DomainError('unauthorized', 'The Authorization header must have the form "Bearer <token>".');
    }
    const token = match[1] as string;
    const clientKey = `ip:${request.ip ?? 'unknown'}`;
    const windowStart = limiter.windowStart();
    const tokenSha256 = token.startsWith('wbi_') ? sha256Hex(token) : null;
    const { failures, installation } = await lookUpAll({ clientKey, windowStart, tokenSha256 });
    // Checked before the token: a client over the limit learns nothing about the token it tried.
    const retryAfter = limiter.retryAfterSecondsOf(failures, windowStart);
    if (retryAfter > 0) {
      throw new DomainError(
        'too_many_auth_failures',
        `Too many failed authentications from this client; retry in ${retryAfter} s.`,
        {},
        { retryAfterSeconds: retryAfter },
      );
    }

    let caller: Caller | undefined;
    if (secretsEqual(token, adminToken)) {
      caller = { kind: 'admin' };
    } else if (token.startsWith('wbi_')) {
      if (installation?.revoked_at != null) {
        await limiter.recordFailure(clientKey);
        throw new DomainError('token_revoked', 'This installation was revoked; ask the bridge administrator for a new token.');
      }
      if (installation !== undefined) {
        caller = {
          kind: 'installation',
          installationId: installation.id,
          deploymentId: installation.deployment_id,
          accountId: installation.account_id,
          helpdesk: installation.helpdesk,
        };
      }
    }
    if (caller === undefined) {
      await limiter.recordFailure(clientKey);
      throw new DomainError('invalid_token', 'The bearer token is not one this bridge issued.');
    }
    return checkRequirement(caller, route);
  };
}
