import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError } from '../../domain/errors.js';
import type { SecretBox } from '../../security/secret-box.js';
import { newId, sha256Hex } from '../../security/tokens.js';
import type { Schema } from '../../storage/schema.js';
import { refreshAccessToken, type ZohoHttp, type ZohoOAuthClient, type ZohoToken } from './oauth.js';

/*
 * A link: one Zoho Desk organisation's WhatsApp channel (an installation of the extension, with its own
 * securityContext) attached to a deployment through one of that organisation's Zoho installations. Zoho calls pull
 * and push with the securityContext and the org id; the bridge keeps the securityContext's SHA-256 only (it is a
 * bearer secret with the entropy of a token) and finds the link by it, then checks the org id. The OAuth client's
 * secret, its refresh token, the current access token and the media signing key are sealed like Meta's tokens.
 */

export interface ZohoLinkContext {
  linkId: string;
  installationId: string;
  deploymentId: string;
  accountId: string;
  orgId: string;
  locale: string;
  apiDomain: string;
  startXid: string;
  signingKey: Buffer;
  /** The number's display name: the author of the business's own messages in the ticket. */
  businessName: string;
}

const sealContext = (linkId: string, what: 'signing_key' | 'client_secret' | 'refresh_token' | 'access_token') =>
  `zoho_channel_link:${linkId}:${what}`;

export interface NewZohoLink {
  installationId: string;
  orgId: string;
  locale: string;
  securityContext: string;
  client: ZohoOAuthClient;
  token: ZohoToken;
}

/** Records a link (replacing the installation's earlier one, in one transaction); answers its id and creation time. */
export async function createZohoLink(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  link: NewZohoLink,
  now: Date,
): Promise<{ id: string; createdAt: Date }> {
  const id = newId('zhl');
  return db.transaction().execute(async (transaction) => {
    const contextSha256 = sha256Hex(link.securityContext);
    // A channel another installation linked stays theirs: relinking it takes that installation's own token.
    const taken = await transaction
      .selectFrom('zoho_channel_links')
      .select('id')
      .where('removed_at', 'is', null)
      .where('security_context_sha256', '=', contextSha256)
      .where('installation_id', '<>', link.installationId)
      .executeTakeFirst();
    if (taken !== undefined) {
      throw new DomainError('validation_failed', 'This Zoho channel is linked by another installation.', {
        errors: [{ path: 'body.security_context', code: 'already_linked', message: 'linked by another installation' }],
      });
    }
    await transaction
      .updateTable('zoho_channel_links')
      .set({ removed_at: now })
      .where('removed_at', 'is', null)
      .where('installation_id', '=', link.installationId)
      .execute();
    const row = await transaction
      .insertInto('zoho_channel_links')
      .values({
        id,
        installation_id: link.installationId,
        org_id: link.orgId,
        locale: link.locale,
        security_context_sha256: contextSha256,
        signing_key_sealed: secretBox.seal(randomBytes(32).toString('base64url'), sealContext(id, 'signing_key')),
        accounts_url: link.client.accountsUrl,
        client_id: link.client.clientId,
        client_secret_sealed: secretBox.seal(link.client.clientSecret, sealContext(id, 'client_secret')),
        refresh_token_sealed: secretBox.seal(link.client.refreshToken, sealContext(id, 'refresh_token')),
        api_domain: link.token.apiDomain,
        access_token_sealed: secretBox.seal(link.token.accessToken, sealContext(id, 'access_token')),
        access_token_expires_at: link.token.expiresAt,
      })
      .returning('created_at')
      .executeTakeFirstOrThrow();
    return { id, createdAt: row.created_at };
  });
}

function activeLinks(db: Kysely<Schema>) {
  return db
    .selectFrom('zoho_channel_links as link')
    .innerJoin('installations', 'installations.id', 'link.installation_id')
    .innerJoin('deployments', 'deployments.id', 'installations.deployment_id')
    .select([
      'link.id',
      'link.installation_id',
      'link.org_id',
      'link.locale',
      'link.api_domain',
      'link.signing_key_sealed',
      (eb) => eb.cast<string>('link.start_xid', 'text').as('start_xid'),
      'installations.deployment_id',
      'deployments.account_id',
      'deployments.display_name',
    ])
    .where('link.removed_at', 'is', null)
    .where('installations.revoked_at', 'is', null);
}

type LinkRow = NonNullable<Awaited<ReturnType<ReturnType<typeof activeLinks>['executeTakeFirst']>>>;

function contextOf(secretBox: SecretBox, row: LinkRow): ZohoLinkContext {
  return {
    linkId: row.id,
    installationId: row.installation_id,
    deploymentId: row.deployment_id,
    accountId: row.account_id,
    orgId: row.org_id,
    locale: row.locale,
    apiDomain: row.api_domain,
    startXid: row.start_xid,
    signingKey: Buffer.from(secretBox.open(row.signing_key_sealed, sealContext(row.id, 'signing_key')), 'base64url'),
    businessName: row.display_name,
  };
}

/**
 * The active link a pull or push names by its securityContext and orgId; undefined when either is missing, unknown,
 * removed, revoked or of another organisation, so a caller cannot tell which.
 */
export async function findZohoLink(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  securityContext: unknown,
  orgId: unknown,
): Promise<ZohoLinkContext | undefined> {
  if (typeof securityContext !== 'string' || securityContext === '' || typeof orgId !== 'string') return undefined;
  const row = await activeLinks(db).where('link.security_context_sha256', '=', sha256Hex(securityContext)).executeTakeFirst();
  return row === undefined || row.org_id !== orgId ? undefined : contextOf(secretBox, row);
}

/** The installation's active link with its creation time. */
export async function findZohoLinkOfInstallation(db: Kysely<Schema>, secretBox: SecretBox, installationId: string) {
  const row = await activeLinks(db)
    .select('link.created_at')
    .where('link.installation_id', '=', installationId)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...contextOf(secretBox, row), createdAt: row.created_at };
}

/** An active link by id (signed media URLs name it). */
export async function findZohoLinkById(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  linkId: string,
): Promise<ZohoLinkContext | undefined> {
  if (!/^zhl_[0-9a-z]{24}$/.test(linkId)) return undefined;
  const row = await activeLinks(db).where('link.id', '=', linkId).executeTakeFirst();
  return row === undefined ? undefined : contextOf(secretBox, row);
}

/**
 * The link's access token: the stored one while it has more than the renewal margin left, else a new one from Zoho
 * (stored sealed with its expiry, and the API domain the answer names). `renew` forces a new one (after a 401).
 */
export function zohoTokens(
  dependencies: { db: Kysely<Schema>; secretBox: SecretBox; http: ZohoHttp; renewalMarginMs: number },
  linkId: string,
) {
  const { db, secretBox, http } = dependencies;
  const renew = async (): Promise<ZohoToken> => {
    const row = await db.selectFrom('zoho_channel_links').selectAll().where('id', '=', linkId).executeTakeFirstOrThrow();
    const token = await refreshAccessToken(http, {
      accountsUrl: row.accounts_url,
      clientId: row.client_id,
      clientSecret: secretBox.open(row.client_secret_sealed, sealContext(linkId, 'client_secret')),
      refreshToken: secretBox.open(row.refresh_token_sealed, sealContext(linkId, 'refresh_token')),
    });
    await db
      .updateTable('zoho_channel_links')
      .set({
        access_token_sealed: secretBox.seal(token.accessToken, sealContext(linkId, 'access_token')),
        access_token_expires_at: token.expiresAt,
        api_domain: token.apiDomain,
      })
      .where('id', '=', linkId)
      .execute();
    return token;
  };
  const current = async (): Promise<ZohoToken> => {
    const row = await db
      .selectFrom('zoho_channel_links')
      .select(['access_token_sealed', 'access_token_expires_at', 'api_domain'])
      .where('id', '=', linkId)
      .executeTakeFirstOrThrow();
    const fresh =
      row.access_token_sealed !== null &&
      row.access_token_expires_at !== null &&
      row.access_token_expires_at.getTime() - dependencies.renewalMarginMs > http.now().getTime();
    if (!fresh) return renew();
    return {
      accessToken: secretBox.open(row.access_token_sealed!, sealContext(linkId, 'access_token')),
      apiDomain: row.api_domain,
      expiresAt: row.access_token_expires_at!,
    };
  };
  return { current, renew };
}

/** The signature of a file URL: which link, which message, until when. */
export function zohoMediaSignature(
  link: Pick<ZohoLinkContext, 'linkId' | 'signingKey'>,
  wamid: string,
  expiresAtSeconds: number,
): string {
  return createHmac('sha256', link.signingKey)
    .update(`media:${link.linkId}:${wamid}:${expiresAtSeconds}`, 'utf8')
    .digest('base64url');
}
