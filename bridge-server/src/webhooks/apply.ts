import type { Pricing, WebhookEvent } from '@wabridge/shared';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { lockContact, recordBusinessReply, recordInbound, recordMarketingPreference } from '../contacts/store.js';
import { reconcileFromStatus } from '../messages/store.js';
import { metaApiErrorFrom } from '../meta/errors.js';
import { recordKeywordConsent, recordPreferenceConsent, recordStatusStopConsent } from '../optin/signals.js';
import type { Schema } from '../storage/schema.js';
import { applyTemplateEvent } from '../templates/store.js';
import { type Settlement, settleCharge } from '../wallet/store.js';
import { recordBillingReport } from '../wallet/usage.js';
import type { PositionedEvent } from './routing.js';

export interface StoredWebhook {
  id: number;
  deploymentId: string;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/** The template status an event leaves: Meta names the event after the new status, except a reinstatement. */
function templateStatusAfter(event: string): string {
  return event === 'REINSTATED' ? 'APPROVED' : event;
}

/**
 * Applies the events of one stored webhook inside one transaction. Every write is keyed so that
 * applying the same events again changes nothing: inbound messages by wamid, statuses by wamid and
 * status, other events by their position in the stored body.
 */
export async function applyWebhookEvents(
  transaction: Transaction<Schema>,
  webhook: StoredWebhook,
  events: PositionedEvent[],
  logger: Logger,
): Promise<void> {
  const { account_id: accountId } = await transaction
    .selectFrom('deployments')
    .select('account_id')
    .where('id', '=', webhook.deploymentId)
    .executeTakeFirstOrThrow();
  for (const { position, event } of events) {
    switch (event.kind) {
      case 'inbound_message': {
        const contact = await lockContact(transaction, webhook.deploymentId, event.contact);
        const inserted = await transaction
          .insertInto('inbound_messages')
          .values({
            deployment_id: webhook.deploymentId,
            wamid: event.messageId,
            contact_id: contact.id,
            type: event.type,
            sent_at: event.timestamp,
            text_body: event.textBody,
            referral: event.referral === null ? null : json(event.referral),
            payload: json(event.raw),
            webhook_event_id: webhook.id,
          })
          .onConflict((conflict) => conflict.columns(['deployment_id', 'wamid']).doNothing())
          .returning('wamid')
          .executeTakeFirst();
        if (inserted !== undefined) {
          await recordInbound(transaction, contact, { timestamp: event.timestamp, hasReferral: event.referral !== null });
          await recordKeywordConsent(transaction, accountId, webhook.deploymentId, event);
        }
        break;
      }
      case 'message_status': {
        const inserted = await transaction
          .insertInto('message_statuses')
          .values({
            deployment_id: webhook.deploymentId,
            wamid: event.messageId,
            status: event.status,
            occurred_at: event.timestamp,
            recipient_wa_id: event.recipient.waId,
            recipient_user_id: event.recipient.userId,
            pricing: event.pricing === null ? null : json(event.pricing),
            errors: event.errors.length === 0 ? null : json(event.errors),
            biz_opaque_callback_data: event.bizOpaqueCallbackData,
            payload: json(event.raw),
            webhook_event_id: webhook.id,
          })
          .onConflict((conflict) => conflict.columns(['deployment_id', 'wamid', 'status']).doNothing())
          .returning('wamid')
          .executeTakeFirst();
        if (inserted !== undefined && event.status === 'sent') {
          await recordBusinessReply(transaction, webhook.deploymentId, event.recipient, event.timestamp);
        }
        if (inserted !== undefined) {
          await recordStatusStopConsent(transaction, accountId, webhook.deploymentId, event);
          const firstError = event.errors[0];
          await reconcileFromStatus(transaction, webhook.deploymentId, {
            wamid: event.messageId,
            bizOpaqueCallbackData: event.bizOpaqueCallbackData,
            failure:
              event.status === 'failed' && firstError !== undefined
                ? metaApiErrorFrom({ source: 'status_webhook', error: firstError })
                : undefined,
          });
          await settleFromStatus(transaction, webhook.deploymentId, event);
        }
        break;
      }
      case 'user_preference': {
        const contact = await lockContact(transaction, webhook.deploymentId, event.contact);
        await recordMarketingPreference(transaction, contact, { value: event.value, timestamp: event.timestamp });
        await recordPreferenceConsent(transaction, accountId, webhook.deploymentId, event);
        await recordDeploymentEvent(transaction, webhook, position, event, event.timestamp);
        break;
      }
      case 'template_status':
        await applyTemplateEvent(transaction, webhook.deploymentId, event.entryId, event.templateId, {
          status: templateStatusAfter(event.event),
        });
        await recordDeploymentEvent(transaction, webhook, position, event, null);
        break;
      case 'template_category':
        await applyTemplateEvent(transaction, webhook.deploymentId, event.entryId, event.templateId, {
          category: event.currentCategory,
        });
        await recordDeploymentEvent(transaction, webhook, position, event, null);
        break;
      case 'malformed':
      case 'unknown':
        logger.warn(
          { webhookEventId: webhook.id, field: event.field, kind: event.kind },
          'webhook change kept but not understood',
        );
        await recordDeploymentEvent(transaction, webhook, position, event, null);
        break;
      default:
        await recordDeploymentEvent(transaction, webhook, position, event, null);
    }
  }
}

type StatusEvent = Extract<WebhookEvent, { kind: 'message_status' }>;

/**
 * Meta's pricing settles a message's hold: `regular` (billable) captures it at the category Meta reports,
 * `free_customer_service` / `free_entry_point` (not billable) and `failed` release it. Only a held charge moves,
 * under its row lock, so a duplicate or a later status (sent, then delivered, both priced) settles nothing again.
 * Meta's word is kept beside the settlement either way, for the reconciliation to compare.
 */
async function settleFromStatus(transaction: Transaction<Schema>, deploymentId: string, event: StatusEvent): Promise<void> {
  const settlement = settlementOf(event.status, event.pricing);
  if (settlement === undefined) return;
  const messageId = await messageIdOf(transaction, deploymentId, event);
  if (messageId === undefined) return;
  await settleCharge(transaction, messageId, settlement);
  await recordBillingReport(transaction, messageId, {
    status: event.status,
    timestamp: event.timestamp,
    pricing: event.pricing,
    billable: settlement.kind === 'capture',
  });
}

function settlementOf(status: string, pricing: Pricing | null): Settlement | undefined {
  if (status === 'failed') {
    return { kind: 'release', reason: 'Meta reported the message failed: not billed', metaPricingType: null, metaCategory: null };
  }
  if (pricing === null) return undefined;
  const billable = pricing.type === null ? pricing.billable === true : pricing.type === 'regular';
  if (billable) return { kind: 'capture', metaPricingType: pricing.type, metaCategory: pricing.category };
  return {
    kind: 'release',
    reason: `Meta did not bill it (${pricing.type ?? 'not billable'})`,
    metaPricingType: pricing.type,
    metaCategory: pricing.category,
  };
}

/** Our message of a status: by the id we passed as biz_opaque_callback_data, else by its wamid. */
async function messageIdOf(
  transaction: Transaction<Schema>,
  deploymentId: string,
  event: StatusEvent,
): Promise<string | undefined> {
  const query = transaction.selectFrom('messages').select('id').where('deployment_id', '=', deploymentId);
  const byCallback = event.bizOpaqueCallbackData?.startsWith('msg_')
    ? await query.where('id', '=', event.bizOpaqueCallbackData).executeTakeFirst()
    : undefined;
  return (byCallback ?? (await query.where('wamid', '=', event.messageId).executeTakeFirst()))?.id;
}

async function recordDeploymentEvent(
  transaction: Transaction<Schema>,
  webhook: StoredWebhook,
  position: number,
  event: WebhookEvent,
  occurredAt: Date | null,
): Promise<void> {
  const payload = event.kind === 'malformed' ? { raw: event.raw, issues: event.issues } : event.raw;
  await transaction
    .insertInto('deployment_events')
    .values({
      deployment_id: webhook.deploymentId,
      kind: event.kind,
      field: event.field,
      occurred_at: occurredAt,
      payload: json(payload),
      webhook_event_id: webhook.id,
      position,
    })
    .onConflict((conflict) => conflict.columns(['webhook_event_id', 'position']).doNothing())
    .execute();
}
