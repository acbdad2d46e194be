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

/** The file of a customer's message on a deployment, from Meta with the deployment's token. */
export async function inboundFile(
  dependencies: InboundFileDependencies,
  deploymentId: string,
  wamid: string,
): Promise<InboundFile> {
  const { db, secretBox, meta } = dependencies;
  const media = (await findInboundMessage(db, deploymentId, wamid))?.content.media;
  if (media === undefined || media === null) throw new DomainError('not_found', 'This message has no file.');
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
