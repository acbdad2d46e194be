import { createHmac } from 'node:crypto';

/**
 * Serialises a webhook body the way Meta does, so that receivers meet the same bytes they will meet in
 * production:
 * - every character outside printable ASCII is written as a `\uXXXX` escape with lowercase hex digits
 *   (characters beyond the Basic Multilingual Plane become two escaped UTF-16 surrogates). Meta's
 *   Messenger webhook documentation says: "we generate the signature using an escaped unicode version
 *   of the payload, with lowercase hex digits … the string äöå should be escaped to \u00e4\u00f6\u00e5"
 *   (quoted in github.com/Secreto31126/whatsapp-api-js issue #290);
 * - forward slashes are written as `\/`, as PHP's json_encode does; receivers that re-serialised bodies
 *   reported signature failures on messages containing "/" (same repository, issue #380).
 * Either way, the only safe receiver is one that hashes the raw bytes; this serialiser makes a receiver
 * that re-serialises fail in the sandbox, as it would against Meta.
 */
export function serializeLikeMeta(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes, keyed by the app secret>`: the X-Hub-Signature-256 header. */
export function signatureHeader(bodyBytes: Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(bodyBytes).digest('hex')}`;
}
