import { DomainError } from '../domain/errors.js';
import { SignedTokens } from '../security/signed-tokens.js';

/*
 * Upload tokens: what the sidebar's browser carries to `POST /v1/media/uploads` instead of the installation token,
 * which stays in the helpdesk's secure proxy (shared/src/contract/routes/media-uploads.ts says why). One names an
 * installation and its deployment and expires after `uploadTokenTtlSeconds`; the upload also checks that the
 * installation is not revoked.
 */

/** The panel asks for one just before it uploads: 5 minutes covers a 20 MB file's upload on a slow link with room to spare. */
export const uploadTokenTtlSeconds = 5 * 60;

export interface UploadScope {
  installationId: string;
  deploymentId: string;
}

export class UploadTokens {
  readonly #tokens: SignedTokens;

  constructor(encryptionKeyHex: string) {
    this.#tokens = new SignedTokens(encryptionKeyHex, 'wabridge upload tokens v1', 'wbu_');
  }

  issue(scope: UploadScope, now: Date): { token: string; expiresAt: Date } {
    const expiresAt = new Date((Math.floor(now.getTime() / 1000) + uploadTokenTtlSeconds) * 1000);
    const token = this.#tokens.encode({ v: 1, i: scope.installationId, d: scope.deploymentId, e: expiresAt.getTime() / 1000 });
    return { token, expiresAt };
  }

  /** The scope of a valid token; `upload_token_invalid`, the same for every reason, for anything else. */
  verify(token: string, now: Date): UploadScope {
    const payload = this.#tokens.decode(token);
    const { v, i, d, e } = payload ?? {};
    if (v !== 1 || typeof i !== 'string' || typeof d !== 'string' || typeof e !== 'number' || e * 1000 <= now.getTime()) {
      throw new DomainError('upload_token_invalid', 'This upload token is not valid.');
    }
    return { installationId: i, deploymentId: d };
  }
}
