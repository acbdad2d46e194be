import type { Kysely } from 'kysely';
import { DomainError, validationFailed } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';

/** Who is calling, as established by authentication. */
export type Caller =
  | { kind: 'admin' }
  /** An account's admin signed in to the console: confined to its account, like an installation. */
  | { kind: 'account_admin'; adminId: string; accountId: string }
  | {
      kind: 'installation';
      installationId: string;
      deploymentId: string;
      accountId: string;
      helpdesk: 'zendesk' | 'zoho';
    };

/** The installation calling an endpoint that acts for one (installation_required for the administrator). */
export function installationOf(caller: Caller): Extract<Caller, { kind: 'installation' }> {
  if (caller.kind !== 'installation') throw new DomainError('installation_required', 'Use an installation token.');
  return caller;
}

/**
 * The account an installation or an account admin is confined to; undefined for the administrator, who sees every
 * account.
 */
export function accountScope(caller: Caller): string | undefined {
  return caller.kind === 'admin' ? undefined : caller.accountId;
}

/**
 * The account a request acts for, on routes open to the administrator and to installations: an installation acts
 * for its own account (naming another is answered like naming one that does not exist, so a tenant learns nothing
 * of others); the administrator names the account, which must exist.
 */
export async function actingAccount(
  db: Kysely<Schema>,
  caller: Caller,
  named: string | undefined,
  path: 'body.account_id' | 'query.account_id',
): Promise<string> {
  if (caller.kind !== 'admin') {
    if (named !== undefined && named !== caller.accountId) throw new DomainError('unknown_account', `No account ${named}.`);
    return caller.accountId;
  }
  if (named === undefined) {
    throw validationFailed([{ path, code: 'required', message: 'name the account (required for the administrator)' }]);
  }
  const account = await db.selectFrom('accounts').select('id').where('id', '=', named).executeTakeFirst();
  if (account === undefined) throw new DomainError('unknown_account', `No account ${named}.`);
  return account.id;
}

/**
 * The deployment a request acts on, on routes open to the administrator, account admins and installations: an
 * installation acts on its own deployment (naming another is answered like naming one that does not exist); the
 * operator and an account admin name it, and an account admin only finds its own account's.
 */
export async function actingDeployment(
  db: Kysely<Schema>,
  caller: Caller,
  named: string | undefined,
): Promise<{ deploymentId: string; accountId: string }> {
  if (caller.kind === 'installation') {
    if (named !== undefined && named !== caller.deploymentId) throw new DomainError('not_found', `No deployment ${named}.`);
    return { deploymentId: caller.deploymentId, accountId: caller.accountId };
  }
  if (named === undefined) {
    throw validationFailed([
      { path: 'query.deployment_id', code: 'required', message: 'name the deployment (required for an administrator)' },
    ]);
  }
  let query = db.selectFrom('deployments').select(['id', 'account_id']).where('id', '=', named);
  const scope = accountScope(caller);
  if (scope !== undefined) query = query.where('account_id', '=', scope);
  const deployment = await query.executeTakeFirst();
  if (deployment === undefined) throw new DomainError('not_found', `No deployment ${named}.`);
  return { deploymentId: deployment.id, accountId: deployment.account_id };
}
