import type { RouteAuth } from '@wabridge/shared';
import type { Request } from 'express';
import { type Kysely, sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Caller } from '../http/caller.js';
import type { Schema } from '../storage/schema.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import { secretsEqual, sha256Hex } from './tokens.js';

export type Authenticate = (request: Request, requirement: Exclude<RouteAuth, 'none'>) => Promise<Caller>;

/**
 * Establishes the caller from `Authorization: Bearer <token>`: the administrator token (compared in
 * constant time) or an installation token (looked up by its SHA-256; the hash is what is stored).
 * Every failed attempt counts against the client; a client over the limit is refused with 429 even
 * before its token is checked, so guessing cannot continue.
 */
export function createAuthenticator(db: Kysely<Schema>, adminToken: string, limiter: AuthFailureLimiter): Authenticate {
  /**
   * The client's failures in the current window and, for an installation token, its installation: one query (a
   * round trip and a statement fewer on every panel request than reading them apart). Nothing about a token is
   * cached, so a revocation is in force at once on every replica.
   */
  async function lookUp(clientKey: string, windowStart: Date, token: string) {
    const tokenSha256 = token.startsWith('wbi_') ? sha256Hex(token) : null;
    const { rows } = await sql<{
      failures: number | null;
      id: string | null;
      deployment_id: string | null;
      helpdesk: 'zendesk' | 'zoho' | null;
      revoked_at: Date | null;
      account_id: string | null;
    }>`
      SELECT f.failures, i.id, i.deployment_id, i.helpdesk, i.revoked_at, d.account_id
      FROM (SELECT 1) AS one
      LEFT JOIN auth_failures f ON f.client_key = ${clientKey} AND f.window_start = ${windowStart}
      LEFT JOIN installations i ON i.token_sha256 = ${tokenSha256}
      LEFT JOIN deployments d ON d.id = i.deployment_id`.execute(db);
    const row = rows[0];
    const installation =
      row?.id == null || row.deployment_id === null || row.helpdesk === null || row.account_id === null
        ? undefined
        : {
            id: row.id,
            deployment_id: row.deployment_id,
            helpdesk: row.helpdesk,
            revoked_at: row.revoked_at,
            account_id: row.account_id,
          };
    return { failures: row?.failures ?? 0, installation };
  }

  return async function authenticate(request, requirement) {
    const header = request.get('authorization');
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
    const { failures, installation } = await lookUp(clientKey, windowStart, token);
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
    if (requirement === 'admin' && caller.kind !== 'admin') {
      throw new DomainError('admin_required', 'This endpoint needs the administrator token.');
    }
    if (requirement === 'installation' && caller.kind !== 'installation') {
      throw new DomainError('installation_required', 'This endpoint acts for one installation: use its token.');
    }
    return caller;
  };
}
