import { type InboundFile, type InboundFileDependencies, inboundFile } from '../../conversations/inbound-file.js';
import { DomainError } from '../../domain/errors.js';
import { secretsEqual } from '../../security/tokens.js';
import { findZohoLinkById, zohoMediaSignature } from './links.js';

/*
 * A customer's file, for Zoho to attach to a thread of a pull answer. The URL names the link and the message and
 * carries an expiry and an HMAC under the link's key: Zoho downloads without our credentials, and nothing else works
 * (another link's key, another message, a later time).
 */

const refused = () =>
  new DomainError('signed_url_invalid', 'This file link is not valid (forged, for another file, or expired).');

export async function zohoSignedFile(
  dependencies: InboundFileDependencies & { nowMs: () => number },
  request: { linkId: string; wamid: string; expires: string; signature: string },
): Promise<InboundFile> {
  const expiresAtSeconds = Number(request.expires);
  if (expiresAtSeconds * 1000 < dependencies.nowMs()) throw refused();
  const link = await findZohoLinkById(dependencies.db, dependencies.secretBox, request.linkId);
  if (link === undefined || !secretsEqual(request.signature, zohoMediaSignature(link, request.wamid, expiresAtSeconds))) {
    throw refused();
  }
  return inboundFile(dependencies, link.deploymentId, request.wamid);
}
