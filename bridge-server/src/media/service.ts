import type { MediaKind } from '@wabridge/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { secretContext } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import type { MetaGraphClient } from '../meta/client.js';
import { metaDomainError, metaOutcomeOf } from '../meta/outcomes.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';
import { type CheckedFile, checkMediaFile, type ReceivedFile } from './check.js';
import { discardUpload, findUpload, insertUpload, isExpired, type MediaUploadRow } from './store.js';
import { downloadMedia, type UrlFetchOptions } from './url-fetch.js';

export interface MediaDependencies {
  db: Kysely<Schema>;
  meta: MetaGraphClient;
  secretBox: SecretBox;
  logger: Logger;
  config: Pick<Config, 'mediaBytesMax' | 'mediaUrl'>;
}

export interface MediaContext {
  deploymentId: string;
  installationId: string;
}

/** Meta's answer to an upload, as a domain error: refused for good (meta_rejected), or not now / not known (meta_unavailable). */
function uploadError(error: unknown): DomainError {
  const outcome = metaOutcomeOf(error);
  if (outcome === undefined) throw error;
  switch (outcome.kind) {
    case 'refused':
      return metaDomainError(outcome, `Meta refused the file: ${outcome.error.reasonText}`, {
        ...(outcome.error.details !== undefined ? { meta_details: outcome.error.details } : {}),
      });
    case 'refused_for_now':
      return metaDomainError(
        outcome,
        `Meta is refusing uploads for the moment (${outcome.error.code}): ${outcome.error.reasonText}`,
      );
    case 'outcome_unknown':
    case 'unreachable':
      // Nothing was recorded here; Meta may hold an orphan copy, which it never sends and deletes after 30 days.
      return metaDomainError(
        outcome,
        'Meta did not confirm the upload, so nothing was recorded or sent. Retrying is safe: a duplicate upload at Meta is never sent.',
      );
  }
}

/**
 * Media for one deployment: check a file (by its content), upload it to Meta with the deployment's token, record it;
 * fetch a `media.url` first when that is where the file is; find an upload to send.
 */
export class MediaService {
  constructor(
    private readonly dependencies: MediaDependencies,
    private readonly fetchOptions: UrlFetchOptions = {},
  ) {}

  get limits(): Config['mediaBytesMax'] {
    return this.dependencies.config.mediaBytesMax;
  }

  /** Checks a received file and, if it may be sent, uploads it to Meta and records it. Refusals record nothing. */
  async store(
    context: MediaContext,
    file: ReceivedFile,
    options: { source: 'upload' | 'url'; expectedKind?: MediaKind | undefined },
  ): Promise<MediaUploadRow> {
    const checked = await checkMediaFile(file, { limits: this.limits, expectedKind: options.expectedKind });
    const metaMediaId = await this.uploadToMeta(context.deploymentId, checked);
    const row = await insertUpload(this.dependencies.db, {
      deploymentId: context.deploymentId,
      installationId: context.installationId,
      metaMediaId,
      file: checked,
      source: options.source,
    });
    this.dependencies.logger.info(
      {
        mediaUploadId: row.id,
        deploymentId: context.deploymentId,
        kind: row.kind,
        sizeBytes: row.size_bytes,
        source: row.source,
      },
      'media uploaded to Meta',
    );
    return row;
  }

  /**
   * Downloads `url` (media.url of a send) within the rules of media/url-fetch.ts, then `store`s it as `kind`. A
   * `filename` the client gave must agree with the content like any declaration.
   */
  async storeFromUrl(context: MediaContext, url: string, kind: MediaKind, filename?: string): Promise<MediaUploadRow> {
    const file = await downloadMedia(url, this.limits[kind], this.dependencies.config.mediaUrl, this.fetchOptions);
    return this.store(context, { ...file, filename }, { source: 'url', expectedKind: kind });
  }

  /** An upload to send: the deployment's own, not expired at Meta. */
  async findSendable(deploymentId: string, uploadId: string, now: Date): Promise<MediaUploadRow> {
    const row = await findUpload(this.dependencies.db, deploymentId, uploadId);
    if (row === undefined) throw new DomainError('not_found', `No media upload ${uploadId} on this deployment.`);
    if (isExpired(row, now)) {
      throw new DomainError(
        'media_upload_expired',
        `Upload ${uploadId} was made on ${row.created_at.toISOString()}; Meta keeps uploaded media 30 days. Upload the file again.`,
        { upload_id: uploadId },
      );
    }
    return row;
  }

  /** Forgets an upload no message sent and has Meta delete the file (a job); an upload a message sent is kept. */
  async discard(accountId: string, upload: MediaUploadRow): Promise<boolean> {
    const discarded = await discardUpload(this.dependencies.db, accountId, upload);
    if (discarded)
      this.dependencies.logger.info({ mediaUploadId: upload.id }, 'media upload discarded; Meta is asked to delete it');
    return discarded;
  }

  private async uploadToMeta(deploymentId: string, file: CheckedFile): Promise<string> {
    const { db, meta, secretBox } = this.dependencies;
    const deployment = await db
      .selectFrom('deployments')
      .select(['phone_number_id', 'access_token_sealed'])
      .where('id', '=', deploymentId)
      .executeTakeFirstOrThrow();
    const accessToken = secretBox.open(deployment.access_token_sealed, secretContext(deploymentId, 'access_token'));
    try {
      const uploaded = await meta.uploadMedia(accessToken, deployment.phone_number_id, {
        bytes: file.bytes,
        mimeType: file.mimeType,
        filename: file.filename ?? `${file.kind}.${file.extension}`,
      });
      return uploaded.id;
    } catch (error) {
      throw uploadError(error);
    }
  }
}
