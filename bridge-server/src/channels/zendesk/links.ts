import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import type { SecretBox } from '../../security/secret-box.js';
import { newId, secretsEqual } from '../../security/tokens.js';
import type { Schema } from '../../storage/schema.js';

/*
 * A link: one Zendesk account (a Channel framework integration instance) attached to a deployment through one of its
 * Zendesk installations. Zendesk keeps the link's `metadata` and sends it with every pull and channelback; it names
 * the link and carries an HMAC keyed by the link's own signing key, which is sealed at rest like every other secret.
 * The metadata holds no secret: knowing it lets one pull the account's messages, as the documentation intends, but
 * it cannot be made for another link, and the push token Zendesk issued stays sealed in the bridge.
 */

/** What a verified link lets a request act as: the installation that linked it, and its deployment and account. */
export interface LinkContext {
  linkId: string;
  installationId: string;
  deploymentId: string;
  accountId: string;
  subdomain: string;
  name: string;
  locale: string;
  startXid: string;
  signingKey: Buffer;
  /** The deployment's display name: the author of the business's own messages in the ticket. */
  businessName: string;
  /** Where this account's Zendesk API is: https://<subdomain>.zendesk.com, or the sandbox's origin the link was made with. */
  apiOrigin: string;
}

const metadataSchema = z.strictObject({
  link: z.string().regex(/^zcl_[0-9a-z]{24}$/),
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

const signingKeyContext = (linkId: string) => `zendesk_channel_link:${linkId}:signing_key`;
export const pushTokenContext = (linkId: string) => `zendesk_channel_link:${linkId}:push_token`;

function sign(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64url');
}

/** The metadata Zendesk stores for a link: its id and a signature only the bridge can make. */
export function metadataOf(link: Pick<LinkContext, 'linkId' | 'signingKey'>): string {
  return JSON.stringify({ link: link.linkId, signature: sign(link.signingKey, `metadata:${link.linkId}`) });
}

export interface NewLink {
  installationId: string;
  subdomain: string;
  name: string;
  locale: string;
  instancePushId: string | undefined;
  pushToken: string | undefined;
  /** The origin of the admin UI's return_url: where this account's Zendesk API answers. */
  apiOrigin: string;
}

/** Records a link with a fresh signing key; answers the metadata to hand to Zendesk. */
export async function createLink(db: Kysely<Schema>, secretBox: SecretBox, link: NewLink): Promise<string> {
  const id = newId('zcl');
  const signingKey = randomBytes(32);
  await db
    .insertInto('zendesk_channel_links')
    .values({
      id,
      installation_id: link.installationId,
      subdomain: link.subdomain,
      name: link.name,
      locale: link.locale,
      api_origin: link.apiOrigin,
      signing_key_sealed: secretBox.seal(signingKey.toString('base64url'), signingKeyContext(id)),
      instance_push_id: link.pushToken === undefined ? null : (link.instancePushId ?? null),
      push_token_sealed:
        link.pushToken === undefined || link.instancePushId === undefined
          ? null
          : secretBox.seal(link.pushToken, pushTokenContext(id)),
    })
    .execute();
  return metadataOf({ linkId: id, signingKey });
}

/** An active link (not removed, its installation not revoked) with its deployment and account. */
export async function findActiveLink(db: Kysely<Schema>, secretBox: SecretBox, linkId: string): Promise<LinkContext | undefined> {
  const row = await db
    .selectFrom('zendesk_channel_links as link')
    .innerJoin('installations', 'installations.id', 'link.installation_id')
    .innerJoin('deployments', 'deployments.id', 'installations.deployment_id')
    .select([
      'link.id',
      'link.installation_id',
      'link.subdomain',
      'link.name',
      'link.locale',
      'link.signing_key_sealed',
      (eb) => eb.cast<string>('link.start_xid', 'text').as('start_xid'),
      'link.api_origin',
      'installations.deployment_id',
      'deployments.account_id',
      'deployments.display_name',
    ])
    .where('link.id', '=', linkId)
    .where('link.removed_at', 'is', null)
    .where('installations.revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    linkId: row.id,
    installationId: row.installation_id,
    deploymentId: row.deployment_id,
    accountId: row.account_id,
    subdomain: row.subdomain,
    name: row.name,
    locale: row.locale,
    startXid: row.start_xid,
    signingKey: Buffer.from(secretBox.open(row.signing_key_sealed, signingKeyContext(row.id)), 'base64url'),
    businessName: row.display_name,
    apiOrigin: row.api_origin ?? `https://${row.subdomain}.zendesk.com`,
  };
}

/**
 * The link Zendesk's metadata names, when its signature is the one that link's key makes; undefined otherwise
 * (malformed, unknown, removed, revoked, or signed for another link), so a caller cannot tell which.
 */
export async function verifyMetadata(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  metadata: string,
): Promise<LinkContext | undefined> {
  let parsed: z.infer<typeof metadataSchema>;
  try {
    parsed = metadataSchema.parse(JSON.parse(metadata));
  } catch {
    return undefined;
  }
  const link = await findActiveLink(db, secretBox, parsed.link);
  if (link === undefined) return undefined;
  return secretsEqual(parsed.signature, sign(link.signingKey, `metadata:${link.linkId}`)) ? link : undefined;
}

/** Marks a link removed (Zendesk removed the account): its metadata stops working at once. Idempotent. */
export async function removeLink(db: Kysely<Schema>, linkId: string, at: Date): Promise<void> {
  await db
    .updateTable('zendesk_channel_links')
    .set({ removed_at: at })
    .where('id', '=', linkId)
    .where('removed_at', 'is', null)
    .execute();
}

/** An active link found by what unsigned events carry: the Zendesk subdomain and the account's name. */
export async function findLinkByName(db: Kysely<Schema>, subdomain: string, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('zendesk_channel_links')
    .select('id')
    .where('subdomain', '=', subdomain)
    .where('name', '=', name)
    .where('removed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.id;
}

/** The signature of a file URL: which link, which message, until when. */
export function mediaSignature(
  link: Pick<LinkContext, 'linkId' | 'signingKey'>,
  wamid: string,
  expiresAtSeconds: number,
): string {
  return sign(link.signingKey, `media:${link.linkId}:${wamid}:${expiresAtSeconds}`);
}
