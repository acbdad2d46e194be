import { conversationFile, type InboundFile } from '../../conversations/inbound-file.js';
import { secretsEqual } from '../../security/tokens.js';
import { type SignedFileDependencies, type SignedFileRequest, signedFileExpired, signedFileRefused } from '../signed-file.js';
import { findZohoLinkById, zohoMediaSignature } from './links.js';

/*
 * A customer's file, for Zoho to attach to a thread of a pull answer. The URL names the link and the message and
 * carries an expiry and an HMAC under the link's key: Zoho downloads without our credentials, and nothing else works
 * (another link's key, another message, a later time).
 */

export async function zohoSignedFile(dependencies: SignedFileDependencies, request: SignedFileRequest): Promise<InboundFile> {
  if (signedFileExpired(request.expires, dependencies.nowMs())) throw signedFileRefused();
  const link = await findZohoLinkById(dependencies.db, dependencies.secretBox, request.linkId);
  if (link === undefined || !secretsEqual(request.signature, zohoMediaSignature(link, request.wamid, Number(request.expires)))) {
    throw signedFileRefused();
  }
  return conversationFile(dependencies, link.deploymentId, request.wamid);
}
