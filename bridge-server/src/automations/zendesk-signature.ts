import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';

/**
 * Zendesk webhooks fired by triggers and automations carry
 * `X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + raw body))` and
 * `X-Zendesk-Webhook-Signature-Timestamp` (https://developer.zendesk.com/documentation/webhooks/verifying/).
 * The timestamp is inside the signed message, so checking its age is what makes a captured delivery
 * useless later: Zendesk's docs say the signature "helps prevent against replay attacks" only if the
 * receiver rejects old timestamps.
 *
 * Window: 5 minutes either side of the bridge's clock. Zendesk retries a failed delivery a few times
 * within minutes and each attempt is signed afresh, so a genuine delivery is seconds old; 5 minutes
 * absorbs clock skew between Zendesk and the bridge without leaving a long replay window. A repeat
 * inside the window is harmless anyway: the send is idempotent on the delivery (ticket, trigger, update).
 *
 * Which secret: Zendesk lets an app's `requirements.json` set the signing secret of the webhook it
 * creates, and such secrets "can't be viewed or reset by account admins"
 * (https://support.zendesk.com/hc/en-us/articles/4418192720154). A secret written in the app package
 * would be the same for every customer, so one tenant could sign for another. The bridge therefore
 * verifies with a per-installation secret (read once with `GET /api/v2/webhooks/{id}/signing_secret`
 * when the installation connects, stored server-side, never sent to the browser) and still resolves
 * the tenant from the URL's installation, so a valid signature from one installation cannot reach another.
 */
export const zendeskSignatureHeader = 'x-zendesk-webhook-signature';
export const zendeskTimestampHeader = 'x-zendesk-webhook-signature-timestamp';
export const zendeskSignatureWindowMs = 5 * 60 * 1000;

export type ZendeskSignatureVerdict = 'valid' | 'missing' | 'stale' | 'mismatch';

/** The signature Zendesk would send for this timestamp and body; also what tests sign with. */
export function zendeskSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(body).digest('base64');
}

/**
 * Checks a delivery over the exact bytes received (never re-serialised JSON), in constant time.
 * Zendesk sends the timestamp as an ISO 8601 instant (e.g. `2021-09-20T22:25:11Z`).
 */
export function verifyZendeskSignature(
  input: { body: Buffer; signature: string | undefined; timestamp: string | undefined; secret: string },
  clock: Clock,
): ZendeskSignatureVerdict {
  const { body, signature, timestamp, secret } = input;
  if (signature === undefined || timestamp === undefined || signature === '' || timestamp === '') return 'missing';
  const signedAt = Date.parse(timestamp);
  if (Number.isNaN(signedAt)) return 'mismatch';
  if (Math.abs(clock.now().getTime() - signedAt) > zendeskSignatureWindowMs) return 'stale';
  const presented = Buffer.from(signature, 'base64');
  const expected = createHmac('sha256', secret).update(timestamp).update(body).digest();
  if (presented.length !== expected.length) return 'mismatch';
  return timingSafeEqual(presented, expected) ? 'valid' : 'mismatch';
}
