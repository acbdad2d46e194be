import { conversationFile, type InboundFile } from '../../conversations/inbound-file.js';
import { secretsEqual } from '../../security/tokens.js';
import { type SignedFileDependencies, type SignedFileRequest, signedFileExpired, signedFileRefused } from '../signed-file.js';
import { findActiveLink, mediaSignature } from './links.js';

/*
 * A customer's file, for Zendesk to import from a pull answer's `file_urls`. The URL names the link and the message
 * and carries an expiry and an HMAC under the link's key: nothing else is needed (Zendesk downloads without our
 * credentials), and nothing else works (another link's key, another message, a later time). The file is fetched from
 * Meta when asked for; the bridge keeps no copy.
 */

/** Checks the signed URL, then fetches the message's file from Meta with the deployment's token. */
export async function signedMediaFile(dependencies: SignedFileDependencies, request: SignedFileRequest): Promise<InboundFile> {
  if (signedFileExpired(request.expires, dependencies.nowMs())) throw signedFileRefused();
  const link = /^zcl_[0-9a-z]{24}$/.test(request.linkId)
    ? await findActiveLink(dependencies.db, dependencies.secretBox, request.linkId)
    : undefined;
  if (link === undefined || !secretsEqual(request.signature, mediaSignature(link, request.wamid, Number(request.expires)))) {
    throw signedFileRefused();
  }
  return conversationFile(dependencies, link.deploymentId, request.wamid);
}
