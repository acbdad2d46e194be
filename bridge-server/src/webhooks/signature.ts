import { createHmac, timingSafeEqual } from 'node:crypto';

const signaturePattern = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks Meta's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed by the app secret>`
 * over the exact bytes received, in constant time. Never over re-serialised JSON: Meta signs an
 * escaped-unicode form, so re-serialising a body with non-ASCII text breaks the signature.
 */
export function isValidMetaSignature(body: Buffer, header: string | undefined, appSecret: string): boolean {
  const match = header === undefined ? null : signaturePattern.exec(header.trim());
  if (match === null) return false;
  const presented = Buffer.from(match[1] as string, 'hex');
  const expected = createHmac('sha256', appSecret).update(body).digest();
  return timingSafeEqual(presented, expected);
}
