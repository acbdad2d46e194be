import { createHash } from 'node:crypto';

/**
 * Helpdesks deliver at least once (Zendesk retries on timeouts and 5xx; a Zoho workflow rule may run twice), so the
 * key comes from the delivery, not from the request: the installation, the ticket, the trigger or rule, and the
 * ticket's update that fired it (`{{ticket.updated_at_with_timestamp}}`, Zoho's `modifiedTime`). A retry of that
 * delivery maps to the same key and sends nothing new; the same trigger firing on a later update of the ticket is a
 * new send. The body's other fields do not enter the key. Hashed so it fits the Idempotency-Key format.
 */
export function automationDeliveryKey(
  installationId: string,
  delivery: { ticket_id: string; automation: string; updated_at: string },
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([installationId, delivery.ticket_id, delivery.automation, delivery.updated_at]))
    .digest('hex');
  return `automation-${digest}`;
}
