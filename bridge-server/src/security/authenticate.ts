import { createHash } from 'node:crypto';
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
import { secretMatches, sha256Hex } from './tokens.js';

type RouteAuth = Pick<RouteDefinition, 'auth' | 'accountAdmin'>;

export type Authenticate = (request: Request, response: Response, route: RouteAuth) => Promise<Caller>;

/** What a bearer token's request is looked up by. */
export interface BearerLookup {
  clientKey: string;
  windowStart: Date;
  /** SHA-256 of an installation token (`wbi_…`); null for any other token. */
  tokenSha256: string | null;
}

/** What the database knows of a bearer token's request: its client's failures this minute and the installation. */
export interface BearerFound {
  failures: number;
  installation:
    | { id: string; deployment_id: string; helpdesk: 'zendesk' | 'zoho'; revoked_at: Date | null; account_id: string }
    | undefined;
}

/** A row of `bearerLookups`: the key's number (from 1, in the keys' order) and what was found for it. */
export interface BearerRow {
  n: number;
  failures: number | null;
  installation_id: string | null;
  deployment_id: string | null;
  helpdesk: 'zendesk' | 'zoho' | null;
  revoked_at: Date | null;
  account_id: string | null;
}

/**
 * A batch of bearer lookups as a derived table `a` (one row per key, `BearerRow`), for one statement to read them all
 * (storage/turn-batch.ts) and, joined by `a.deployment_id` and `a.account_id`, whatever a route reads for the caller
 * along with its authentication (`authenticateAlong`): the decision is taken on these columns either way.
 */
export function bearerLookups(keys: readonly BearerLookup[]) {
  return sql<BearerRow>`(
    SELECT k.n::int AS n, f.failures, i.id AS installation_id, i.deployment_id, i.helpdesk, i.revoked_at, d.account_id
    FROM unnest(${keys.map((key) => key.clientKey)}::text[], ${keys.map((key) => key.windowStart)}::timestamptz[],
                ${keys.map((key) => key.tokenSha256)}::text[]) WITH ORDINALITY AS k (client_key, window_start, token_sha256, n)
    LEFT JOIN auth_failures f ON f.client_key = k.client_key AND f.window_start = k.window_start
    LEFT JOIN installations i ON i.token_sha256 = k.token_sha256
    LEFT JOIN deployments d ON d.id = i.deployment_id)`.as('a');
}

export function bearerFoundOf(row: BearerRow): BearerFound {
  return {
    failures: row.failures ?? 0,
    installation:
      row.installation_id === null || row.deployment_id === null || row.helpdesk === null || row.account_id === null
        ? undefined
        : {
            id: row.installation_id,
            deployment_id: row.deployment_id,
            helpdesk: row.helpdesk,
            revoked_at: row.revoked_at,
            account_id: row.account_id,
          },
  };
}

/**
 * A route's read sent in the statement that looks its caller's token up (one statement where there were two): given
 * the request's lookup, what was found for it and what the route read for the installation found (undefined when it
 * found none). What it read is handed over only once the caller is authenticated exactly as `authenticate` would.
 */
export type ReadAlong<T> = (lookup: BearerLookup) => Promise<{ found: BearerFound; read: T | undefined }>;

export interface Authenticator {
  authenticate: Authenticate;
  /**
   * Authenticates as `authenticate` does, reading `readAlong` in the same statement when the request carries a bearer
   * token (`read` is undefined otherwise: a console session, a missing header).
   */
  authenticateAlong<T>(
    request: Request,
    response: Response,
    route: RouteAuth,
    readAlong: ReadAlong<T>,
  ): Promise<{ caller: Caller; read: T | undefined }>;
}

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
): Authenticator {
  const adminTokenSha256 = createHash('sha256').update(adminToken, 'utf8').digest();
  /**
   * The client's failures in the current window and, for an installation token, its installation, for every request
   * authenticating in the same turn of the event loop: one statement (storage/turn-batch.ts) where each request used to
   * send its own. Nothing about a token is cached, so a revocation is in force at once on every replica.
   */
  const lookUpAll = batchedPerTurn<BearerLookup, BearerFound>(async (keys) => {
    const rows = await db.selectFrom(bearerLookups(keys)).selectAll('a').orderBy('a.n').execute();
    // One row per key: every join is by a unique key (a client's window, a token's hash, a deployment's id).
    if (rows.length !== keys.length) throw new Error(`bearer lookup: ${rows.length} rows for ${keys.length} keys`);
    return rows.map(bearerFoundOf);
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

  /** The bearer token of a request without a console session; undefined for a session (or nothing to go on). */
  function bearerOf(request: Request): { token: string; lookup: BearerLookup } | undefined {
    const header = request.get('authorization');
    if (header === undefined && sessionCookieOf(request) !== undefined) return undefined;
    if (header === undefined) {
      throw new DomainError('unauthorized', 'This endpoint needs an Authorization: Bearer <token> header.');
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (match === null) {
      throw new DomainError('unauthorized', 'The Authorization header must have the form "Bearer <token>".');
    }
    const token = match[1] as string;
    return {
      token,
      lookup: {
        clientKey: `ip:${request.ip ?? 'unknown'}`,
        windowStart: limiter.windowStart(),
        tokenSha256: token.startsWith('wbi_') ? sha256Hex(token) : null,
      },
    };
  }

  /** The caller a bearer token names, from what was found for it; a failure counts against the client. */
  async function callerOf(token: string, { clientKey, windowStart }: BearerLookup, found: BearerFound): Promise<Caller> {
    const { failures, installation } = found;
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
    if (secretMatches(token, adminTokenSha256)) {
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
    return caller;
  }

  async function authenticate(request: Request, response: Response, route: RouteAuth): Promise<Caller> {
    const bearer = bearerOf(request);
    if (bearer === undefined) {
      return checkRequirement(await fromSession(request, response, sessionCookieOf(request) as string), route);
    }
    return checkRequirement(await callerOf(bearer.token, bearer.lookup, await lookUpAll(bearer.lookup)), route);
  }

  return {
    authenticate,
    async authenticateAlong(request, response, route, readAlong) {
      const bearer = bearerOf(request);
      if (bearer === undefined) return { caller: await authenticate(request, response, route), read: undefined };
      const { found, read } = await readAlong(bearer.lookup);
      return { caller: checkRequirement(await callerOf(bearer.token, bearer.lookup, found), route), read };
    },
  };
}
