import type { HelpdeskConnection, helpdeskConnectionRequest } from '@wabridge/shared';
import { type Kysely, sql } from 'kysely';
import type * as z from 'zod';
import { DomainError } from '../domain/errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';

export type ZendeskCredentials = { helpdesk: 'zendesk'; email: string; api_token: string };
export type ZohoCredentials = {
  helpdesk: 'zoho';
  accounts_url: string;
  client_id: string;
  client_secret: string;
  refresh_token: string;
};
export type HelpdeskCredentials = ZendeskCredentials | ZohoCredentials;

export interface OpenConnection {
  installationId: string;
  apiUrl: string;
  locale: 'en' | 'ja';
  credentials: HelpdeskCredentials;
}

const sealContext = (installationId: string, what: 'credentials' | 'webhook_secret') =>
  `installation:${installationId}:helpdesk_${what}`;

/** Saves how the bridge reaches an installation's helpdesk; credentials and the webhook secret are sealed. */
export async function putConnection(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  installationId: string,
  input: z.infer<typeof helpdeskConnectionRequest>,
): Promise<HelpdeskConnection> {
  const installation = await db
    .selectFrom('installations')
    .select(['helpdesk'])
    .where('id', '=', installationId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (installation === undefined) throw new DomainError('not_found', `No installation ${installationId}.`);
  const credentials: HelpdeskCredentials | undefined =
    input.zendesk !== undefined
      ? { helpdesk: 'zendesk', email: input.zendesk.email, api_token: input.zendesk.api_token }
      : input.zoho !== undefined
        ? { helpdesk: 'zoho', ...input.zoho }
        : undefined;
  if (credentials === undefined || credentials.helpdesk !== installation.helpdesk) {
    throw new DomainError('validation_failed', `Installation ${installationId} is a ${installation.helpdesk} installation.`, {
      errors: [
        { path: `body.${installation.helpdesk}`, code: 'required', message: `give the ${installation.helpdesk} credentials` },
      ],
    });
  }
  const values = {
    api_url: input.api_url.replace(/\/+$/, ''),
    locale: input.locale,
    credentials_sealed: secretBox.seal(JSON.stringify(credentials), sealContext(installationId, 'credentials')),
    webhook_secret_sealed:
      input.zendesk === undefined
        ? null
        : secretBox.seal(input.zendesk.webhook_secret, sealContext(installationId, 'webhook_secret')),
  };
  const row = await db
    .insertInto('helpdesk_connections')
    .values({ installation_id: installationId, ...values })
    .onConflict((conflict) => conflict.column('installation_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    installation_id: installationId,
    helpdesk: installation.helpdesk,
    api_url: row.api_url,
    locale: row.locale,
    webhook_secret_set: row.webhook_secret_sealed !== null,
    updated_at: row.updated_at.toISOString(),
  };
}

export async function openConnection(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  installationId: string,
): Promise<OpenConnection | undefined> {
  const row = await db
    .selectFrom('helpdesk_connections')
    .selectAll()
    .where('installation_id', '=', installationId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    installationId,
    apiUrl: row.api_url,
    locale: row.locale,
    credentials: JSON.parse(secretBox.open(row.credentials_sealed, sealContext(installationId, 'credentials'))),
  };
}

/**
 * The live Zendesk installations of one Zendesk account (its host, `acme.zendesk.com`) with a webhook secret, and
 * their secrets: a delivery is verified with each in turn, so a signature made with one tenant's secret never
 * reaches another tenant.
 */
export async function zendeskWebhookSecrets(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  host: string,
): Promise<{ installationId: string; accountId: string; deploymentId: string; secret: string }[]> {
  const rows = await db
    .selectFrom('installations')
    .innerJoin('helpdesk_connections', 'helpdesk_connections.installation_id', 'installations.id')
    .innerJoin('deployments', 'deployments.id', 'installations.deployment_id')
    .select([
      'installations.id as installation_id',
      'installations.deployment_id',
      'deployments.account_id',
      'helpdesk_connections.webhook_secret_sealed',
    ])
    .where('installations.helpdesk', '=', 'zendesk')
    .where('installations.instance', '=', host)
    .where('installations.revoked_at', 'is', null)
    .where('helpdesk_connections.webhook_secret_sealed', 'is not', null)
    .orderBy('installations.id')
    .execute();
  return rows.map((row) => ({
    installationId: row.installation_id,
    accountId: row.account_id,
    deploymentId: row.deployment_id,
    secret: secretBox.open(row.webhook_secret_sealed!, sealContext(row.installation_id, 'webhook_secret')),
  }));
}
