import { routes } from '@wabridge/shared';
import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import { DomainError } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { readCapped, sniffBytes } from '../http/read-capped.js';
import { isActiveInstallationOf } from '../installations/store.js';
import { readCapBytes } from './check.js';
import type { MediaService } from './service.js';
import { findUpload, presentUpload } from './store.js';
import { allowedMimeTypes, declaredMimeType, describeAllowedTypes, mediaTypeOf } from './types.js';
import { type UploadScope, UploadTokens } from './upload-tokens.js';

export interface MediaRouterOptions {
  /** BRIDGE_ENCRYPTION_KEY: upload tokens are signed with a key derived from it. */
  encryptionKey: string;
  /** The bridge's public URL: the upload token's `upload_url` starts with it. */
  publicUrl: string;
  clock: Clock;
}

/**
 * `POST /v1/media` (bearer token) and `POST /v1/media/uploads` (upload token): the body is the file itself, streamed
 * by the handler (the contract documents it). Each authenticates before reading a byte, refuses a Content-Type that
 * names a type we never take without reading the body, and reads at most the limit of the declared kind (the largest
 * limit when the type is left to the content).
 */
export function mediaRouter(
  media: MediaService,
  db: Parameters<typeof findUpload>[0],
  options: MountOptions,
  uploads: MediaRouterOptions,
): Router {
  const router = Router();
  const tokens = new UploadTokens(uploads.encryptionKey);

  const receive = async (scope: UploadScope, filename: string | undefined, request: Request, response: Response) => {
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
      scope,
      {
        bytes: read.bytes,
        complete: read.complete,
        sizeBytes: read.complete ? read.bytes.length : announcedBytes,
        contentType,
        contentTypeSource: 'The Content-Type header',
        filename,
      },
      { source: 'upload' },
    );
    response.location(`/v1/media/${row.id}`);
    return presentUpload(row);
  };

  mountRoute(
    router,
    routes.uploadMedia,
    async ({ query }, { caller, request, response }) => receive(installationOf(caller), query.filename, request, response),
    options,
    { rawBody: 'stream' },
  );

  mountRoute(
    router,
    routes.createUploadToken,
    async (_input, { caller }) => {
      const installation = installationOf(caller);
      const { token, expiresAt } = tokens.issue(installation, uploads.clock.now());
      return {
        token,
        expires_at: expiresAt.toISOString(),
        upload_url: `${uploads.publicUrl}${routes.uploadMediaWithToken.path}?${new URLSearchParams({ token })}`,
        limits: media.limits,
      };
    },
    options,
  );

  // The browser posts the file from the helpdesk's iframe, another origin: the token is the credential (no cookies),
  // so any origin may, and a file's own Content-Type (image/png) makes the browser ask first (a CORS preflight).
  const uploadPath = routes.uploadMediaWithToken.path;
  router.use(uploadPath, (request, response, next) => {
    response.set('Access-Control-Allow-Origin', '*');
    if (request.method !== 'OPTIONS') return next();
    response.set({
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'Content-Type',
      // A day: the preflight's answer never changes for a bridge.
      'Access-Control-Max-Age': '86400',
    });
    response.status(204).end();
  });
  mountRoute(
    router,
    routes.uploadMediaWithToken,
    async ({ query }, { request, response }) => {
      const scope = tokens.verify(query.token, uploads.clock.now());
      if (!(await isActiveInstallationOf(db, scope.installationId, scope.deploymentId)))
        throw new DomainError('upload_token_invalid', 'This upload token is not valid.');
      return receive(scope, query.filename, request, response);
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
