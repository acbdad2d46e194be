import type { Kysely } from 'kysely';
import { DomainError } from '../../domain/errors.js';
import type { MediaService } from '../../media/service.js';
import { filenameOfContentDisposition } from '../../media/url-fetch.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { Schema } from '../../storage/schema.js';
import type { ChannelbackFiles } from './channelback.js';
import { type LinkContext, pushTokenContext } from './links.js';

/*
 * An agent's attachments (channelback `file_urls[]`, offered with `channelback_files` when the manifest has a push
 * client id): "Files can be downloaded using the push access token" (developer.zendesk.com/documentation/
 * channel_framework/understanding-the-channel-framework/channelback/). Only URLs on the account's own Zendesk origin
 * are fetched, with its push token; the file is then checked and uploaded like any media the bridge sends.
 */

const downloadTimeoutMs = 60_000;

const refuse = (code: string, message: string) =>
  new DomainError('validation_failed', message, { errors: [{ path: 'body.file_urls', code, message }] });

async function readCapped(response: Response, capBytes: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) return { bytes: Buffer.alloc(0), complete: true };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), complete: true };
    chunks.push(Buffer.from(value));
    size += value.length;
    if (size > capBytes) {
      await reader.cancel();
      return { bytes: Buffer.concat(chunks).subarray(0, capBytes), complete: false };
    }
  }
}

export function zendeskChannelbackFiles(db: Kysely<Schema>, secretBox: SecretBox, media: MediaService): ChannelbackFiles {
  return {
    async store(link: LinkContext, url: string) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw refuse('attachment_not_from_zendesk', 'An attachment URL is not a URL.');
      }
      if (parsed.origin !== link.apiOrigin) {
        throw refuse('attachment_not_from_zendesk', 'Attachments are fetched only from this Zendesk account.');
      }
      const row = await db
        .selectFrom('zendesk_channel_links')
        .select('push_token_sealed')
        .where('id', '=', link.linkId)
        .executeTakeFirstOrThrow();
      if (row.push_token_sealed === null) {
        throw refuse('attachments_need_push', 'Attachments need the account to be linked with push.');
      }
      const token = secretBox.open(row.push_token_sealed, pushTokenContext(link.linkId));
      // Not a DomainError: Zendesk is answered 5xx and retries the channelback with the same identifier.
      const response = await fetch(parsed, {
        headers: { authorization: `Bearer ${token}` },
        redirect: 'error',
        signal: AbortSignal.timeout(downloadTimeoutMs),
      });
      if (response.status !== 200) throw new Error(`Zendesk answered HTTP ${response.status} for an attachment`);
      const capBytes = Math.max(...Object.values(media.limits));
      const read = await readCapped(response, capBytes);
      const contentType = response.headers.get('content-type') ?? undefined;
      const fileName =
        filenameOfContentDisposition(response.headers.get('content-disposition') ?? undefined) ??
        parsed.searchParams.get('name') ??
        undefined;
      return media.store(
        { deploymentId: link.deploymentId, installationId: link.installationId },
        {
          bytes: read.bytes,
          complete: read.complete,
          sizeBytes: read.complete ? read.bytes.length : undefined,
          contentType,
          contentTypeSource: 'Zendesk’s Content-Type',
          filename: undefined,
          filenameGuess: fileName,
        },
        { source: 'url' },
      );
    },
    async discard(link, upload) {
      await media.discard(link.accountId, upload);
    },
  };
}
