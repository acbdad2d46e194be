import type { CreateInstallationRequest, Helpdesk, Installation } from '@wabridge/shared';
import { type Kysely, type Selectable, sql } from 'kysely';
import { issueInstallationToken, newId } from '../security/tokens.js';
import { afterPosition, decodeCursor, toPage } from '../storage/pagination.js';
import type { Schema } from '../storage/schema.js';

type InstallationRow = Selectable<Schema['installations']> & { account_id: string };

export function presentInstallation(row: InstallationRow): Installation {
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    account_id: row.account_id,
    helpdesk: row.helpdesk,
    instance: row.instance,
    token_hint: row.token_hint,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

export type InsertInstallationResult =
  | { kind: 'created'; row: InstallationRow; token: string }
  | { kind: 'unknown_deployment' }
  | { kind: 'installation_exists'; existingId: string | undefined };

export async function insertInstallation(
  db: Kysely<Schema>,
  deploymentId: string,
  request: CreateInstallationRequest,
): Promise<InsertInstallationResult> {
  const deployment = await db.selectFrom('deployments').select('account_id').where('id', '=', deploymentId).executeTakeFirst();
  if (deployment === undefined) return { kind: 'unknown_deployment' };
  const issued = issueInstallationToken();
  const row = await db
    .insertInto('installations')
    .values({
      id: newId('ins'),
      deployment_id: deploymentId,
      helpdesk: request.helpdesk,
      instance: request.instance,
      token_sha256: issued.sha256,
      token_hint: issued.hint,
    })
    .onConflict((conflict) =>
      conflict.columns(['deployment_id', 'helpdesk', 'instance']).where('revoked_at', 'is', null).doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
  if (row !== undefined) return { kind: 'created', row: { ...row, account_id: deployment.account_id }, token: issued.token };
  const existing = await db
    .selectFrom('installations')
    .select('id')
    .where('deployment_id', '=', deploymentId)
    .where('helpdesk', '=', request.helpdesk)
    .where('instance', '=', request.instance)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return { kind: 'installation_exists', existingId: existing?.id };
}

export async function listInstallations(
  db: Kysely<Schema>,
  deploymentId: string,
  options: { limit: number; cursor?: string | undefined },
) {
  const position = decodeCursor(options.cursor);
  let query = db
    .selectFrom('installations')
    .innerJoin('deployments', 'deployments.id', 'installations.deployment_id')
    .selectAll('installations')
    .select('deployments.account_id')
    .where('installations.deployment_id', '=', deploymentId)
    .orderBy('installations.created_at')
    .orderBy('installations.id')
    .limit(options.limit + 1);
  if (position !== undefined) {
    query = query.where(afterPosition('installations', position));
  }
  return toPage(await query.execute(), options.limit, presentInstallation);
}

/** Revokes an installation; revoking one already revoked changes nothing. False when there is no such installation. */
/**
 * Revokes an installation (again is a no-op); false when there is none, or none of the account `scope` names (an
 * account admin's), so another account's installation looks like a missing one.
 */
export async function revokeInstallation(db: Kysely<Schema>, id: string, scope: string | undefined): Promise<boolean> {
  const inScope = db
    .selectFrom('installations as i')
    .innerJoin('deployments as d', 'd.id', 'i.deployment_id')
    .select('i.id')
    .where('i.id', '=', id);
  const scoped = scope === undefined ? inScope : inScope.where('d.account_id', '=', scope);
  const updated = await db
    .updateTable('installations')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', 'in', scoped)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (updated.numUpdatedRows > 0n) return true;
  return (await scoped.executeTakeFirst()) !== undefined;
}

/**
 * Whether the installation is attached to the deployment and not revoked (and of `helpdesk`, when given): a live
 * stream's token, or a conversation routed to it, is good only then.
 */
export async function isActiveInstallationOf(
  db: Kysely<Schema>,
  installationId: string,
  deploymentId: string,
  helpdesk?: Helpdesk,
): Promise<boolean> {
  let query = db
    .selectFrom('installations')
    .select('id')
    .where('id', '=', installationId)
    .where('deployment_id', '=', deploymentId)
    .where('revoked_at', 'is', null);
  if (helpdesk !== undefined) query = query.where('helpdesk', '=', helpdesk);
  return (await query.executeTakeFirst()) !== undefined;
}

/** The helpdesk instance (Zendesk subdomain, Zoho Desk portal) an installation was issued for. */
export async function installationInstance(db: Kysely<Schema>, installationId: string): Promise<{ instance: string }> {
  return db.selectFrom('installations').select('instance').where('id', '=', installationId).executeTakeFirstOrThrow();
}
