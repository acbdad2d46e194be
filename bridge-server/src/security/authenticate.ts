import type { RouteAuth } from '@wabridge/shared';
import type { Request } from 'express';
import type { Kysely } from 'kysely';
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
  async function findInstallation(token: string) {
    return db
      .selectFrom('installations')
      .innerJoin('deployments', 'deployments.id', 'installations.deployment_id')
      .select([
        'installations.id',
        'installations.deployment_id',
        'installations.helpdesk',
        'installations.revoked_at',
        'deployments.account_id',
      ])
      .where('installations.token_sha256', '=', sha256Hex(token))
      .executeTakeFirst();
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
    const retryAfter = await limiter.retryAfterSeconds(clientKey);
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
      const installation = await findInstallation(token);
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
