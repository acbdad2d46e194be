import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The JSON body our triggers and automations send (their `notification_webhook` action in the app's
 * requirements), filled by Zendesk placeholders: `{{ticket.id}}`, `{{ticket.requester.phone}}`,
 * `{{ticket.updated_at_with_timestamp}}`, `{{ticket.ticket_field_<id>}}`. Placeholders render as
 * strings, and an unset one renders empty, so an empty phone or parameter is refused by name here
 * rather than sent. `automation` is a literal each trigger writes (Zendesk has no placeholder for the
 * trigger's own id). Kept in this folder until the endpoint is mounted; then it moves to a contract
 * file of its own.
 */
export const zendeskAutomationDelivery = z.strictObject({
  ticket_id: z.string().regex(/^\d{1,20}$/, 'must be the ticket number ({{ticket.id}})'),
  ticket_updated_at: z.string().min(1, 'must be {{ticket.updated_at_with_timestamp}}').max(64),
  automation: z.string().regex(/^[a-z0-9_]{1,64}$/, 'must name the trigger or automation (lowercase letters, digits, _)'),
  phone: z.string().min(1, 'the requester has no phone number ({{ticket.requester.phone}} is empty)').max(32),
  template: z.string().regex(/^[a-z0-9_]{1,512}$/, 'must be an approved template name (lowercase, digits, _)'),
  language: z.string().min(2).max(16),
  parameters: z.record(z.string().max(100), z.string().min(1, 'is empty (is the ticket field set?)').max(4096)).default({}),
});
export type ZendeskAutomationDelivery = z.infer<typeof zendeskAutomationDelivery>;

/**
 * Zendesk delivers at least once (it retries on timeouts and 5xx), so the key comes from the delivery,
 * not from the request: the installation, the ticket, the trigger and the ticket's update that fired
 * it. A retry of that delivery maps to the same key and replays the first answer; the same trigger
 * firing on a later update of the ticket is a new send. Hashed so it fits the Idempotency-Key format.
 */
export function zendeskDeliveryKey(installationId: string, delivery: ZendeskAutomationDelivery): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([installationId, delivery.ticket_id, delivery.automation, delivery.ticket_updated_at]))
    .digest('hex');
  return `zd-automation-${digest}`;
}
