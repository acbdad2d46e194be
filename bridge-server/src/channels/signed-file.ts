import type { Request, Response } from 'express';
import * as z from 'zod';
import type { InboundFile, InboundFileDependencies } from '../conversations/inbound-file.js';
import { DomainError } from '../domain/errors.js';
import { validatedQuery } from '../http/mount.js';
import type { Services } from '../services.js';

/*
 * A customer's file under a short-lived signed URL, as both helpdesk channels hand them out (Zendesk's pull and push
 * `file_urls`, Zoho's thread attachments): `/v1/channels/<helpdesk>/media/{link_id}/{wamid}?expires=…&signature=…`.
 * Each channel checks the signature with its own link's key; the query, the refusal and the answer are the same.
 */

/** The signed URL's query: the expiry (Unix seconds) and a base64url HMAC-SHA256. */
const signedFileQuery = z.object({
  expires: z.string().regex(/^\d{1,12}$/),
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

export interface SignedFileRequest {
  linkId: string;
  wamid: string;
  expires: string;
  signature: string;
}

export const signedFileRefused = () =>
  new DomainError('signed_url_invalid', 'This file link is not valid (forged, for another file, or expired).');

/** Whether a URL that expires at `expires` (Unix seconds, as written in it) has expired at `nowMs`. */
export function signedFileExpired(expires: string, nowMs: number): boolean {
  return Number(expires) * 1000 < nowMs;
}

export type SignedFileDependencies = InboundFileDependencies & { nowMs: () => number };

/** The GET handler of a channel's media route: validates the query, lets `find` check the signature, sends the file. */
export function serveSignedFile(
  services: Services,
  find: (dependencies: SignedFileDependencies, request: SignedFileRequest) => Promise<InboundFile>,
) {
  const dependencies: SignedFileDependencies = {
    db: services.db,
    secretBox: services.secretBox,
    meta: services.meta,
    nowMs: () => services.clock.now().getTime(),
    downloadTimeoutMs: services.config.metaUploadTimeoutMs,
  };
  return async (request: Request, response: Response): Promise<void> => {
    const query = validatedQuery(signedFileQuery, request);
    const file = await find(dependencies, {
      linkId: String(request.params.link_id),
      wamid: String(request.params.wamid),
      expires: query.expires,
      signature: query.signature,
    });
    response.set('Content-Type', file.mimeType);
    if (file.filename !== null) {
      response.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
    }
    response.send(file.bytes);
  };
}
