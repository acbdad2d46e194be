import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { readCapBytes } from './check.js';
import { readCapped, sniffBytes } from './read-capped.js';
import type { MediaService } from './service.js';
import { findUpload, presentUpload } from './store.js';
import { allowedMimeTypes, declaredMimeType, describeAllowedTypes, mediaTypeOf } from './types.js';

/**
 * `POST /v1/media`: the body is the file itself, streamed by the handler (the contract documents it). It
 * authenticates before reading a byte, refuses a Content-Type that names a type we never take without reading the
 * body, and reads at most the limit of the declared kind (the largest limit when the type is left to the content).
 */
export function mediaRouter(media: MediaService, db: Parameters<typeof findUpload>[0], options: MountOptions): Router {
  const router = Router();

  mountRoute(
    router,
    routes.uploadMedia,
    async ({ query }, { caller, request, response }) => {
      const installation = installationOf(caller);
      const contentType = request.get('content-type');
      const declared = declaredMimeType(contentType);
      if (declared !== undefined && mediaTypeOf(declared) === undefined) {
        throw new DomainError(
          'media_type_not_allowed',
          `Content-Type ${declared} is not accepted; send ${describeAllowedTypes()}, or application/octet-stream to let the content decide.`,
          { allowed_types: allowedMimeTypes() },
        );
      }
      const capBytes = readCapBytes(contentType, media.limits);
      const lengthHeader = request.get('content-length');
      const announcedBytes = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      // Announced as too large: read just enough to say what the file is, so the refusal names the right limit.
      const readBytes = announcedBytes !== undefined && announcedBytes > capBytes ? Math.min(capBytes, sniffBytes) : capBytes;
      const read = await readCapped(request, readBytes, 'discard');
      const row = await media.store(
        { deploymentId: installation.deploymentId, installationId: installation.installationId },
        {
          bytes: read.bytes,
          complete: read.complete,
          sizeBytes: read.complete ? read.bytes.length : announcedBytes,
          contentType,
          contentTypeSource: 'The Content-Type header',
          filename: query.filename,
        },
        { source: 'upload' },
      );
      response.location(`/v1/media/${row.id}`);
      return presentUpload(row);
    },
    options,
    { rawBody: 'stream' },
  );

  mountRoute(
    router,
    routes.getMedia,
    async ({ params }, { caller }) => {
      const row = await findUpload(db, installationOf(caller).deploymentId, params.media_id);
      if (row === undefined) throw new DomainError('not_found', `No media upload ${params.media_id}.`);
      return presentUpload(row);
    },
    options,
  );
  return router;
}
