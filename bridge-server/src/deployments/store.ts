import type { CreateDeploymentRequest, Deployment } from '@wabridge/shared';
import type { Kysely, Selectable } from 'kysely';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import { afterPosition, decodeCursor, toPage } from '../storage/pagination.js';
import type { Schema } from '../storage/schema.js';

type DeploymentRow = Selectable<Schema['deployments']>;

/** The sealed columns of a deployment, and the additional data each is bound to. */
export type DeploymentSecret = 'access_token' | 'app_secret' | 'verify_token';

export function secretContext(deploymentId: string, secret: DeploymentSecret): string {
  return `deployment:${deploymentId}:${secret}`;
}

export function presentDeployment(row: DeploymentRow, publicUrl: string): Deployment {
  return {
    id: row.id,
    account_id: row.account_id,
    display_name: row.display_name,
    display_phone_number: row.display_phone_number,
    waba_id: row.waba_id,
    phone_number_id: row.phone_number_id,
    business_manager_id: row.business_manager_id,
    app_id: row.app_id,
    webhook_url: `${publicUrl}/v1/webhooks/meta/${row.id}`,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type InsertDeploymentResult =
  | { kind: 'created'; row: DeploymentRow }
  | { kind: 'unknown_account' }
  | { kind: 'phone_number_id_taken'; existingId: string | undefined };

async function deploymentIdOfNumber(db: Kysely<Schema>, phoneNumberId: string): Promise<string | undefined> {
  const existing = await db
    .selectFrom('deployments')
    .select('id')
    .where('phone_number_id', '=', phoneNumberId)
    .executeTakeFirst();
  return existing?.id;
}

/**
 * Inserts a deployment with its secrets sealed; a phone-number id already registered is reported, not thrown.
 * `verify` runs once the account exists and the number is free, before anything is written (the credentials
 * checked with Meta): what it throws refuses the deployment.
 */
export async function insertDeployment(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  request: CreateDeploymentRequest,
  verify: () => Promise<void> = async () => {},
): Promise<InsertDeploymentResult> {
  const account = await db.selectFrom('accounts').select('id').where('id', '=', request.account_id).executeTakeFirst();
  if (account === undefined) return { kind: 'unknown_account' };
  const taken = await deploymentIdOfNumber(db, request.phone_number_id);
  if (taken !== undefined) return { kind: 'phone_number_id_taken', existingId: taken };
  await verify();
  const id = newId('dep');
  const row = await db
    .insertInto('deployments')
    .values({
      id,
      account_id: request.account_id,
      display_name: request.display_name,
      display_phone_number: request.display_phone_number,
      waba_id: request.waba_id,
      phone_number_id: request.phone_number_id,
      business_manager_id: request.business_manager_id ?? null,
      app_id: request.app_id ?? null,
      access_token_sealed: secretBox.seal(request.access_token, secretContext(id, 'access_token')),
      app_secret_sealed: secretBox.seal(request.app_secret, secretContext(id, 'app_secret')),
      verify_token_sealed: secretBox.seal(request.verify_token, secretContext(id, 'verify_token')),
    })
    .onConflict((conflict) => conflict.column('phone_number_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (row !== undefined) return { kind: 'created', row };
  return { kind: 'phone_number_id_taken', existingId: await deploymentIdOfNumber(db, request.phone_number_id) };
}

/** `scope`: the only account an installation may see; undefined for the administrator. */
export async function findDeployment(
  db: Kysely<Schema>,
  id: string,
  scope: string | undefined,
): Promise<DeploymentRow | undefined> {
  let query = db.selectFrom('deployments').selectAll().where('id', '=', id);
  if (scope !== undefined) query = query.where('account_id', '=', scope);
  return query.executeTakeFirst();
}

/** Gives a deployment its Meta app id; undefined when there is no such deployment within `scope`. */
export async function setDeploymentAppId(
  db: Kysely<Schema>,
  id: string,
  scope: string | undefined,
  appId: string,
): Promise<DeploymentRow | undefined> {
  let query = db.updateTable('deployments').set({ app_id: appId, updated_at: new Date() }).where('id', '=', id);
  if (scope !== undefined) query = query.where('account_id', '=', scope);
  return query.returningAll().executeTakeFirst();
}

/** The sealed secrets Meta's webhooks are checked with (app secret, verify token); undefined for no such deployment. */
export async function findDeploymentSecrets(db: Kysely<Schema>, deploymentId: string) {
  return db
    .selectFrom('deployments')
    .select(['id', 'app_secret_sealed', 'verify_token_sealed'])
    .where('id', '=', deploymentId)
    .executeTakeFirst();
}

/** The account a deployment belongs to; throws when there is no such deployment. */
export async function accountIdOfDeployment(db: Kysely<Schema>, deploymentId: string): Promise<string> {
  const row = await db.selectFrom('deployments').select('account_id').where('id', '=', deploymentId).executeTakeFirstOrThrow();
  return row.account_id;
}

export async function listDeployments(
  db: Kysely<Schema>,
  options: { limit: number; cursor?: string | undefined; accountId?: string | undefined; scope: string | undefined },
) {
  const position = decodeCursor(options.cursor);
  let query = db
    .selectFrom('deployments')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(options.limit + 1);
  if (options.scope !== undefined) query = query.where('account_id', '=', options.scope);
  if (options.accountId !== undefined) query = query.where('account_id', '=', options.accountId);
  if (position !== undefined) query = query.where(afterPosition('deployments', position));
  return toPage(await query.execute(), options.limit, (row) => row);
}
