import type { Pricing, WebhookEvent } from '@wabridge/shared';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { lockContact, recordBusinessReply, recordInbound, recordMarketingPreference } from '../contacts/store.js';
import { accountIdOfDeployment } from '../deployments/store.js';
import { messageIdOfStatus, reconcileFromStatus } from '../messages/store.js';
import { metaApiErrorFrom } from '../meta/errors.js';
import { recordKeywordConsent, recordPreferenceConsent, recordStatusStopConsent } from '../optin/signals.js';
import type { Schema } from '../storage/schema.js';
import { applyTemplateEvent } from '../templates/store.js';
import { type Settlement, settleCharge } from '../wallet/settlement.js';
import { recordBillingReport } from '../wallet/usage.js';
import type { PositionedEvent } from './routing.js';
import { recordDeploymentEvent, recordInboundMessage, recordMessageStatus } from './store.js';

export interface StoredWebhook {
  id: number;
  deploymentId: string;
}

/** The template status an event leaves: Meta names the event after the new status, except a reinstatement. */
function templateStatusAfter(event: string): string {
  return event === 'REINSTATED' ? 'APPROVED' : event;
}

/**
 * Applies the events of one stored webhook routed to one deployment, inside one transaction: each event is
 * recorded by its store (webhooks/store.ts, keyed so that applying it again changes nothing) and, the first
 * time, handed to the features it moves (contacts, consent, messages, templates, the wallet).
 */
export async function applyWebhookEvents(
  transaction: Transaction<Schema>,
  webhook: StoredWebhook,
  events: PositionedEvent[],
  logger: Logger,
): Promise<void> {
  const accountId = await accountIdOfDeployment(transaction, webhook.deploymentId);
  const origin = { webhookEventId: webhook.id, deploymentId: webhook.deploymentId };
  for (const { position, event } of events) {
    switch (event.kind) {
      case 'inbound_message': {
        const contact = await lockContact(transaction, webhook.deploymentId, event.contact);
        if (await recordInboundMessage(transaction, origin, contact.id, event)) {
          await recordInbound(transaction, contact, { timestamp: event.timestamp, hasReferral: event.referral !== null });
          await recordKeywordConsent(transaction, accountId, webhook.deploymentId, event);
        }
        break;
      }
      case 'message_status':
        if (await recordMessageStatus(transaction, origin, event)) await applyStatus(transaction, accountId, webhook, event);
        break;
      case 'user_preference': {
        const contact = await lockContact(transaction, webhook.deploymentId, event.contact);
        await recordMarketingPreference(transaction, contact, { value: event.value, timestamp: event.timestamp });
        await recordPreferenceConsent(transaction, accountId, webhook.deploymentId, event);
        await recordDeploymentEvent(transaction, origin, position, event, event.timestamp);
        break;
      }
      case 'template_status':
        await applyTemplateEvent(transaction, webhook.deploymentId, event.entryId, event.templateId, {
          status: templateStatusAfter(event.event),
        });
        await recordDeploymentEvent(transaction, origin, position, event, null);
        break;
      case 'template_category':
        await applyTemplateEvent(transaction, webhook.deploymentId, event.entryId, event.templateId, {
          category: event.currentCategory,
        });
        await recordDeploymentEvent(transaction, origin, position, event, null);
        break;
      case 'malformed':
      case 'unknown':
        logger.warn(
          { webhookEventId: webhook.id, field: event.field, kind: event.kind },
          'webhook change kept but not understood',
        );
        await recordDeploymentEvent(transaction, origin, position, event, null);
        break;
      default:
        await recordDeploymentEvent(transaction, origin, position, event, null);
    }
  }
}

/** A status recorded for the first time moves what it is about: the window, consent, our message, its points. */
async function applyStatus(
  transaction: Transaction<Schema>,
  accountId: string,
  webhook: StoredWebhook,
  event: StatusEvent,
): Promise<void> {
  if (event.status === 'sent') {
    await recordBusinessReply(transaction, webhook.deploymentId, event.recipient, event.timestamp);
  }
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
  const messageId = await messageIdOfStatus(transaction, deploymentId, {
    wamid: event.messageId,
    bizOpaqueCallbackData: event.bizOpaqueCallbackData,
  });
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
