import { createHash, randomBytes } from 'node:crypto';

/**
 * A WhatsApp message id. Real ones are `wamid.` followed by standard base64 of an opaque binary that
 * embeds the customer's number (e.g. `wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA`); the
 * sandbox keeps that shape, including the `+`, `/` and `=` characters base64 can produce, so receivers
 * treat the id as an opaque string.
 */
export function newWamid(customerIdentity: string): string {
  const payload = Buffer.concat([Buffer.from(`HBgL${customerIdentity}`), randomBytes(18)]);
  return `wamid.${payload.toString('base64')}`;
}

/** Meta's `fbtrace_id`: an opaque token support uses to find a request; 11 random bytes give the usual length. */
export function newFbtraceId(): string {
  return randomBytes(11).toString('base64').replace(/[+/=]/g, 'A');
}

// Graph object ids are decimal strings of 15 to 16 digits; staying below 2^53 keeps them exact as the JSON
// numbers Meta uses for `message_template_id` in webhooks.
const graphIdBase = 1_000_000_000_000_000;
const graphIdSpan = 8_000_000_000_000_000;

/** A stable Graph-style numeric id derived from a seed, so a template keeps its id across resets. */
export function stableGraphId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return String(graphIdBase + Number(digest.readBigUInt64BE(0) % BigInt(graphIdSpan)));
}

/** A fresh Graph-style numeric id (a media object), random in the same range as stable ones. */
export function newGraphId(): string {
  return String(graphIdBase + Number(randomBytes(8).readBigUInt64BE(0) % BigInt(graphIdSpan)));
}

/**
 * A business-scoped user id (BSUID) like `US.13491208655302741918`: country code, a dot and 20 digits, as in
 * the webhook examples of 2026 (see /work/shared/fixtures/pywa/message.json).
 */
export function newBusinessScopedUserId(countryCode = 'US'): string {
  const digits = Array.from(randomBytes(20), (byte) => String(byte % 10)).join('');
  return `${countryCode}.${digits}`;
}

/** A delivery or other sandbox-internal id: short, sortable by creation within one process. */
let sequence = 0;
export function newSandboxId(prefix: string): string {
  sequence += 1;
  return `${prefix}_${sequence.toString().padStart(6, '0')}`;
}
