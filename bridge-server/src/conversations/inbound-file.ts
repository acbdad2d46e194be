import type { Kysely } from 'kysely';
import { secretContext } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import type { MetaGraphClient } from '../meta/client.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';
import { findInboundMessage } from './store.js';

/*
 * A customer's file, fetched from Meta when a helpdesk asks for it (through a URL the helpdesk's connector signed):
 * the bridge keeps no copy. Meta keeps a customer's media for about 30 days; after that, or when Meta cannot be
 * reached, there is no file.
 */

/** The largest file passed on: Meta's own limit for documents (100 MB); nothing a customer sends is larger. */
const fileBytesMax = 100 * 1024 * 1024;

export interface InboundFile {
  bytes: Buffer;
  mimeType: string;
  filename: string | null;
}

export interface InboundFileDependencies {
  db: Kysely<Schema>;
  secretBox: SecretBox;
  meta: MetaGraphClient;
  downloadTimeoutMs: number;
}

async function download(url: string, accessToken: string, timeoutMs: number) {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DomainError('meta_unavailable', 'The file could not be downloaded from Meta.', {}, { cause: error });
  }
  if (response.status !== 200 || Number(response.headers.get('content-length') ?? '0') > fileBytesMax) {
    throw new DomainError('meta_unavailable', `Meta answered HTTP ${response.status} for the file.`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > fileBytesMax) throw new DomainError('meta_unavailable', 'The file is larger than Meta allows.');
  return { bytes, mimeType: response.headers.get('content-type') };
}

/** What a message's file is at Meta: its media id, and what we know of it before asking. */
type FileAtMeta = { metaMediaId: string; mimeType: string | null; filename: string | null };

/**
 * A message's file at Meta: a customer's (by wamid: the media id Meta's webhook gave), or one the business sent (by
 * our message id, msg_…: the media id of the upload it was sent with; Meta keeps uploads for 30 days as well).
 */
async function fileAtMeta(db: Kysely<Schema>, deploymentId: string, externalId: string): Promise<FileAtMeta | undefined> {
  if (externalId.startsWith('msg_')) {
    return db
      .selectFrom('messages')
      .innerJoin('media_uploads', 'media_uploads.id', 'messages.media_upload_id')
      .select(['media_uploads.meta_media_id as metaMediaId', 'media_uploads.mime_type as mimeType', 'media_uploads.filename'])
      .where('messages.id', '=', externalId)
      .where('messages.deployment_id', '=', deploymentId)
      .executeTakeFirst();
  }
  return (await findInboundMessage(db, deploymentId, externalId))?.content.media ?? undefined;
}

/**
 * The file of a message in a deployment's conversation, by its external id in the helpdesk (a customer's wamid, or
 * our message id for the business's own), from Meta with the deployment's token.
 */
export async function conversationFile(
  dependencies: InboundFileDependencies,
  deploymentId: string,
  externalId: string,
): Promise<InboundFile> {
  const { db, secretBox, meta } = dependencies;
  const media = await fileAtMeta(db, deploymentId, externalId);
  if (media === undefined) throw new DomainError('not_found', 'This message has no file.');
  const deployment = await db
    .selectFrom('deployments')
    .select('access_token_sealed')
    .where('id', '=', deploymentId)
    .executeTakeFirstOrThrow();
  const accessToken = secretBox.open(deployment.access_token_sealed, secretContext(deploymentId, 'access_token'));
  let info: Awaited<ReturnType<MetaGraphClient['getMediaInfo']>>;
  try {
    info = await meta.getMediaInfo(accessToken, media.metaMediaId);
  } catch (error) {
    throw new DomainError('meta_unavailable', 'Meta did not give the file.', {}, { cause: error });
  }
  const file = await download(info.url, accessToken, dependencies.downloadTimeoutMs);
  return {
    bytes: file.bytes,
    mimeType: media.mimeType ?? info.mimeType ?? file.mimeType ?? 'application/octet-stream',
    filename: media.filename,
  };
}
