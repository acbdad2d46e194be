import type { MediaUpload } from '@wabridge/shared';
import { type Kysely, type Selectable, sql } from 'kysely';
import { jobKinds } from '../jobs/kinds.js';
import { enqueueJob } from '../jobs/store.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';
import type { CheckedFile } from './check.js';

export type MediaUploadRow = Selectable<Schema['media_uploads']>;

/** Meta keeps uploaded media for 30 days ("Media IDs returned by the API expire after 30 days"). */
export const metaMediaLifetimeMs = 30 * 24 * 60 * 60_000;

/**
 * An upload is not sent in its last hour: our `created_at` is a moment after Meta's clock started, and clocks
 * differ; an hour is far more than either, and nobody loses by re-uploading a file a day-old link would need anyway.
 */
const expiryMarginMs = 60 * 60_000;

export function expiresAt(row: Pick<MediaUploadRow, 'created_at'>): Date {
  return new Date(row.created_at.getTime() + metaMediaLifetimeMs);
}

/** True when Meta may already have forgotten the upload's media id, or will before a send reaches it. */
export function isExpired(row: Pick<MediaUploadRow, 'created_at'>, now: Date): boolean {
  return now.getTime() > expiresAt(row).getTime() - expiryMarginMs;
}

export async function insertUpload(
  db: Kysely<Schema>,
  values: {
    deploymentId: string;
    installationId: string;
    metaMediaId: string;
    file: CheckedFile;
    source: 'upload' | 'url';
  },
): Promise<MediaUploadRow> {
  return db
    .insertInto('media_uploads')
    .values({
      id: newId('med'),
      deployment_id: values.deploymentId,
      installation_id: values.installationId,
      meta_media_id: values.metaMediaId,
      kind: values.file.kind,
      mime_type: values.file.mimeType,
      size_bytes: values.file.sizeBytes,
      sha256: values.file.sha256,
      filename: values.file.filename ?? null,
      source: values.source,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An upload of the deployment; another deployment's (another tenant's) is as absent as one that never existed. */
export async function findUpload(db: Kysely<Schema>, deploymentId: string, id: string): Promise<MediaUploadRow | undefined> {
  return db
    .selectFrom('media_uploads')
    .selectAll()
    .where('id', '=', id)
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
}

export function presentUpload(row: MediaUploadRow): MediaUpload {
  return {
    id: row.id,
    kind: row.kind,
    mime_type: row.mime_type as MediaUpload['mime_type'],
    size_bytes: row.size_bytes,
    filename: row.filename,
    sha256: row.sha256,
    created_at: row.created_at.toISOString(),
    expires_at: expiresAt(row).toISOString(),
  };
}

/**
 * Forgets an upload no message sent (a send refused after its media URL was fetched and uploaded): the row goes and,
 * in the same transaction, a `delete_meta_media` job asks Meta to delete the file (media/delete-job.ts), so no file
 * stays at Meta that nothing here knows of. An upload a message refers to is kept. True when it was discarded.
 */
export async function discardUpload(
  db: Kysely<Schema>,
  accountId: string,
  upload: Pick<MediaUploadRow, 'id' | 'deployment_id' | 'meta_media_id'>,
): Promise<boolean> {
  return db.transaction().execute(async (transaction) => {
    const deleted = await transaction
      .deleteFrom('media_uploads')
      .where('id', '=', upload.id)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('messages').select(sql`1`.as('one')).whereRef('messages.media_upload_id', '=', 'media_uploads.id')),
        ),
      )
      .executeTakeFirst();
    if (deleted.numDeletedRows === 0n) return false;
    await enqueueJob(transaction, {
      kind: jobKinds.deleteMetaMedia,
      accountId,
      payload: { deployment_id: upload.deployment_id, meta_media_id: upload.meta_media_id },
      dedupeKey: `${jobKinds.deleteMetaMedia}:${upload.deployment_id}:${upload.meta_media_id}`,
    });
    return true;
  });
}
