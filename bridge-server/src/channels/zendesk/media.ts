import type { Kysely } from 'kysely';
import * as z from 'zod';
import { findInboundMessage } from '../../conversations/store.js';
import { secretContext } from '../../deployments/store.js';
import { DomainError } from '../../domain/errors.js';
import type { MetaGraphClient } from '../../meta/client.js';
import type { SecretBox } from '../../security/secret-box.js';
import { secretsEqual } from '../../security/tokens.js';
import type { Schema } from '../../storage/schema.js';
import { findActiveLink, mediaSignature } from './links.js';

/*
 * A customer's file, for Zendesk to import from a pull answer's `file_urls`. The URL names the link and the message
 * and carries an expiry and an HMAC under the link's key: nothing else is needed (Zendesk downloads without our
 * credentials), and nothing else works (another link's key, another message, a later time). The file is fetched from
 * Meta when asked for; the bridge keeps no copy.
 */

export const mediaQuerySchema = z.object({
  expires: z.string().regex(/^\d{1,12}$/),
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** The largest file passed on: Meta's own limit for documents (100 MB); nothing a customer sends is larger. */
const fileBytesMax = 100 * 1024 * 1024;

export interface MediaFileAnswer {
  bytes: Buffer;
  mimeType: string;
  filename: string | null;
}

const refused = () =>
  new DomainError('signed_url_invalid', 'This file link is not valid (forged, for another file, or expired).');

export interface MediaDependencies {
  db: Kysely<Schema>;
  secretBox: SecretBox;
  meta: MetaGraphClient;
  nowMs: () => number;
  downloadTimeoutMs: number;
}

async function download(
  url: string,
  accessToken: string,
  timeoutMs: number,
): Promise<{ bytes: Buffer; mimeType: string | null }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DomainError('meta_unavailable', 'The file could not be downloaded from Meta.', {}, { cause: error });
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (response.status !== 200 || length > fileBytesMax) {
    throw new DomainError('meta_unavailable', `Meta answered HTTP ${response.status} for the file.`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > fileBytesMax) throw new DomainError('meta_unavailable', 'The file is larger than Meta allows.');
  return { bytes, mimeType: response.headers.get('content-type') };
}

/** Checks the signed URL, then fetches the message's file from Meta with the deployment's token. */
export async function signedMediaFile(
  dependencies: MediaDependencies,
  request: { linkId: string; wamid: string; expires: string; signature: string },
): Promise<MediaFileAnswer> {
  const { db, secretBox } = dependencies;
  const expiresAtSeconds = Number(request.expires);
  if (expiresAtSeconds * 1000 < dependencies.nowMs()) throw refused();
  const link = /^zcl_[0-9a-z]{24}$/.test(request.linkId) ? await findActiveLink(db, secretBox, request.linkId) : undefined;
  if (link === undefined || !secretsEqual(request.signature, mediaSignature(link, request.wamid, expiresAtSeconds))) {
    throw refused();
  }
  const message = await findInboundMessage(db, link.deploymentId, request.wamid);
  const media = message?.content.media;
  if (media === undefined || media === null) throw new DomainError('not_found', 'This message has no file.');
  const deployment = await db
    .selectFrom('deployments')
    .select(['access_token_sealed', 'phone_number_id'])
    .where('id', '=', link.deploymentId)
    .executeTakeFirstOrThrow();
  const accessToken = secretBox.open(deployment.access_token_sealed, secretContext(link.deploymentId, 'access_token'));
  let info: Awaited<ReturnType<MetaGraphClient['getMediaInfo']>>;
  try {
    info = await dependencies.meta.getMediaInfo(accessToken, media.metaMediaId);
  } catch (error) {
    // Meta keeps a customer's media for about 30 days; after that, or when Meta cannot be reached, there is no file.
    throw new DomainError('meta_unavailable', 'Meta did not give the file.', {}, { cause: error });
  }
  const file = await download(info.url, accessToken, dependencies.downloadTimeoutMs);
  return {
    bytes: file.bytes,
    mimeType: media.mimeType ?? info.mimeType ?? file.mimeType ?? 'application/octet-stream',
    filename: media.filename,
  };
}
