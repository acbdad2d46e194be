import { matchOptOutKeyword, type Pricing, storableCopy, type WebhookEvent } from '@wabridge/shared';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { lockContact, recordBusinessReply, recordInbound, recordMarketingPreference } from '../contacts/store.js';
import { HelpdeskDeliveries } from '../conversations/delivery.js';
import { messageIdOfStatus, reconcileFromStatus } from '../messages/store.js';
import { metaApiErrorFrom } from '../meta/errors.js';
import { recordKeywordConsent, recordPreferenceConsent, recordStatusStopConsent } from '../optin/signals.js';
import { loadOptinSettings, type OptinSettings } from '../optin/store.js';
import type { Schema } from '../storage/schema.js';
import { applyTemplateEvent } from '../templates/store.js';
import { type Settlement, settleCharge } from '../wallet/settlement.js';
import { recordBillingReport } from '../wallet/usage.js';
import { BatchContacts } from './contacts.js';
import { loadDeploymentDirectory, type PositionedEvent, routeByNumber } from './routing.js';
import {
  inboundKey,
  recordDeploymentEvent,
  recordInboundMessage,
  recordInboundMessages,
  recordMessageStatuses,
  statusKey,
  type WebhookOrigin,
} from './store.js';

export interface StoredWebhook {
  id: number;
  deploymentId: string;
}

/** A stored webhook whose body parsed: its events, in the body's order. */
export interface ParsedWebhook extends StoredWebhook {
  events: WebhookEvent[];
}

/** An event routed to its deployment, with what applying it needs. */
interface RoutedEvent extends PositionedEvent {
  origin: WebhookOrigin;
  accountId: string;
}

/** The template status an event leaves: Meta names the event after the new status, except a reinstatement. */
function templateStatusAfter(event: string): string {
  return event === 'REINSTATED' ? 'APPROVED' : event;
}

const contactKeys = (deploymentId: string, identity: { waId: string | null; userId: string | null }) => [
  ...(identity.waId === null ? [] : [`${deploymentId}\u0000w\u0000${identity.waId}`]),
  ...(identity.userId === null ? [] : [`${deploymentId}\u0000u\u0000${identity.userId}`]),
];
const messageKey = (deploymentId: string, wamid: string) => `${deploymentId}\u0000${wamid}`;

/** Our message as a batch read it: its id, and its wamid (NULL until Meta's answer or a status gave it one). */
interface KnownMessage {
  id: string;
  deploymentId: string;
  wamid: string | null;
  /**
   * Whether it has a charge to settle. A charge is written only with its message, in the transaction that records
   * it, so a message read without one never gets one.
   */
  charged: boolean;
}

const callbackIdOf = (event: StatusEvent) =>
  event.bizOpaqueCallbackData?.startsWith('msg_') === true ? event.bizOpaqueCallbackData : undefined;

/**
 * What a batch reads once instead of once per event: which contacts and messages its statuses could touch (most
 * statuses touch none, and then cost no query of their own), and each account's opt-in settings. Our messages are
 * read with their ids, so that a status about one of them finds it without a query of its own: by our id in
 * biz_opaque_callback_data or by its wamid.
 */
class BatchLookups {
  readonly #optinSettings = new Map<string, Promise<OptinSettings>>();

  private constructor(
    private readonly transaction: Transaction<Schema>,
    /** Contacts (by identity) that exist: read at the start, and every identity an event of the batch created. */
    private readonly contacts: Set<string>,
    /** Our messages (by deployment and wamid) the batch's statuses may name: read, or named by our id. */
    private readonly messages: Set<string>,
    /** Our messages the batch read, by id and by deployment and wamid. */
    private readonly messagesById: Map<string, KnownMessage>,
    private readonly messagesByWamid: Map<string, KnownMessage>,
  ) {}

  static async load(transaction: Transaction<Schema>, events: RoutedEvent[]): Promise<BatchLookups> {
    const statuses = events.flatMap(({ origin, event }) =>
      event.kind === 'message_status' ? [{ deploymentId: origin.deploymentId, event }] : [],
    );
    // Both lookups name the deployments: the unique indexes start with deployment_id.
    const deploymentIds = [...new Set(statuses.map(({ deploymentId }) => deploymentId))];
    const sentTo = statuses.filter(({ event }) => event.status === 'sent');
    const waIds = [...new Set(sentTo.flatMap(({ event }) => (event.recipient.waId === null ? [] : [event.recipient.waId])))];
    const userIds = [
      ...new Set(sentTo.flatMap(({ event }) => (event.recipient.userId === null ? [] : [event.recipient.userId]))),
    ];
    const contacts =
      waIds.length === 0 && userIds.length === 0
        ? []
        : await transaction
            .selectFrom('contacts')
            .select(['deployment_id', 'wa_id', 'user_id'])
            .where('deployment_id', 'in', deploymentIds)
            .where((eb) =>
              eb.or([
                ...(waIds.length === 0 ? [] : [eb('wa_id', 'in', waIds)]),
                ...(userIds.length === 0 ? [] : [eb('user_id', 'in', userIds)]),
              ]),
            )
            .execute();
    const wamids = [...new Set(statuses.map(({ event }) => event.messageId))];
    const callbackIds = [...new Set(statuses.flatMap(({ event }) => callbackIdOf(event) ?? []))];
    // One read for both keys: the unique (deployment_id, wamid) index and the primary key.
    const messages =
      wamids.length === 0
        ? []
        : await transaction
            .selectFrom('messages')
            .select(['id', 'deployment_id', 'wamid'])
            .select((eb) =>
              eb
                .exists(eb.selectFrom('message_charges').select('message_id').whereRef('message_id', '=', 'messages.id'))
                .as('charged'),
            )
            .where((eb) =>
              eb.or([
                eb.and([eb('deployment_id', 'in', deploymentIds), eb('wamid', 'in', wamids)]),
                ...(callbackIds.length === 0 ? [] : [eb('id', 'in', callbackIds)]),
              ]),
            )
            .execute();
    const known = messages.map((row) => ({
      id: row.id,
      deploymentId: row.deployment_id,
      wamid: row.wamid,
      // Anything but a plain false errs on the side of settling (the settlement finds nothing to do when there is none).
      charged: row.charged !== false,
    }));
    return new BatchLookups(
      transaction,
      new Set(contacts.flatMap((row) => contactKeys(row.deployment_id, { waId: row.wa_id, userId: row.user_id }))),
      new Set(known.flatMap((row) => (row.wamid === null ? [] : [messageKey(row.deploymentId, row.wamid)]))),
      new Map(known.map((row) => [row.id, row])),
      new Map(known.flatMap((row) => (row.wamid === null ? [] : [[messageKey(row.deploymentId, row.wamid), row]]))),
    );
  }

  contactMayExist(deploymentId: string, identity: { waId: string | null; userId: string | null }): boolean {
    return contactKeys(deploymentId, identity).some((key) => this.contacts.has(key));
  }

  contactExists(deploymentId: string, identity: { waId: string | null; userId: string | null }): void {
    for (const key of contactKeys(deploymentId, identity)) this.contacts.add(key);
  }

  /**
   * Whether a status may name one of our messages: by its wamid, or by our id in biz_opaque_callback_data. A status
   * carrying our id gives that message its wamid (reconcileFromStatus): later statuses of the batch find it by wamid.
   */
  messageMayExist(deploymentId: string, event: StatusEvent): boolean {
    const key = messageKey(deploymentId, event.messageId);
    if (callbackIdOf(event) !== undefined) this.messages.add(key);
    return this.messages.has(key);
  }

  /**
   * Whether a status naming our id may still have to give our message its wamid: not when the batch read that
   * message with a wamid already (Meta's answer to the send, or an earlier status, gave it one; a wamid once set is
   * never cleared), so that reconcileFromStatus's UPDATE, which would match nothing, is not sent.
   */
  mayAccept(deploymentId: string, event: StatusEvent): boolean {
    const callbackId = callbackIdOf(event);
    if (callbackId === undefined) return false;
    const known = this.messagesById.get(callbackId);
    return known === undefined || known.deploymentId !== deploymentId || known.wamid === null;
  }

  /** A status gave our message its wamid (reconcileFromStatus matches only a message that had none). */
  accepted(deploymentId: string, event: StatusEvent): void {
    const known = this.messagesById.get(callbackIdOf(event) ?? '');
    if (known === undefined || known.deploymentId !== deploymentId || known.wamid !== null) return;
    known.wamid = event.messageId;
    this.messagesByWamid.set(messageKey(deploymentId, event.messageId), known);
  }

  /**
   * Our message a status is about, as messageIdOfStatus finds it (by our id, else by wamid), from what the batch
   * read; a message the batch did not read is looked up.
   */
  async messageIdOf(deploymentId: string, event: StatusEvent): Promise<string | undefined> {
    const byCallback = this.messagesById.get(callbackIdOf(event) ?? '');
    if (byCallback?.deploymentId === deploymentId) return byCallback.id;
    const byWamid = this.messagesByWamid.get(messageKey(deploymentId, event.messageId));
    if (byWamid !== undefined) return byWamid.id;
    return messageIdOfStatus(this.transaction, deploymentId, {
      wamid: event.messageId,
      bizOpaqueCallbackData: event.bizOpaqueCallbackData,
    });
  }

  /**
   * Whether our message may have a charge to settle: not one the batch read without a charge (an account that is not
   * metered), which spares a status the charge's locking read and the billing report's INSERT that would find none.
   */
  mayHaveCharge(messageId: string): boolean {
    return this.messagesById.get(messageId)?.charged !== false;
  }

  optinSettings(accountId: string): Promise<OptinSettings> {
    let settings = this.#optinSettings.get(accountId);
    if (settings === undefined) {
      settings = loadOptinSettings(this.transaction, accountId);
      this.#optinSettings.set(accountId, settings);
    }
    return settings;
  }
}

/**
 * Applies the events of a batch of stored webhooks inside one transaction, in the order they came. Every event is
 * recorded by its store (webhooks/store.ts, keyed so that applying it again changes nothing) and, the first time,
 * handed to the features it moves (contacts, consent, messages, templates, the wallet).
 *
 * Set-based where it counts: the deployments are read once for the batch, all its delivery statuses are recorded
 * in one INSERT (most events are statuses), and a status's follow-ups (a business reply on the contact, our
 * message's state and charge) run only when the batch's lookups say there is a contact or message to move. Moving
 * the statuses' INSERT before the other events changes nothing another event reads: no other event reads
 * message_statuses.
 */
export async function applyWebhookBatch(
  transaction: Transaction<Schema>,
  webhooks: ParsedWebhook[],
  logger: Logger,
): Promise<void> {
  const directory = await loadDeploymentDirectory(
    transaction,
    webhooks.map((webhook) => webhook.deploymentId),
  );
  const events: RoutedEvent[] = [];
  for (const webhook of webhooks) {
    for (const [deploymentId, positioned] of routeByNumber(directory, webhook.deploymentId, webhook.events)) {
      const origin = { webhookEventId: webhook.id, deploymentId };
      const accountId = directory.accountOf(deploymentId);
      // Text PostgreSQL cannot hold (U+0000, a lone surrogate) in a customer's message or name becomes U+FFFD:
      // the webhook is acknowledged, and refusing it would fail it until dead-lettered and lose the message.
      // The stored body (webhook_events.body, bytes) keeps what Meta sent.
      for (const { position, event } of positioned) events.push({ origin, accountId, position, event: storableCopy(event) });
    }
  }
  const recordedNow = await recordMessageStatuses(
    transaction,
    events.flatMap(({ origin, event }) => (event.kind === 'message_status' ? [{ origin, event }] : [])),
  );
  const inbound = events.flatMap((routed, index) =>
    routed.event.kind === 'inbound_message'
      ? [
          {
            index,
            origin: routed.origin,
            deploymentId: routed.origin.deploymentId,
            event: routed.event,
            contact: routed.event.contact,
          },
        ]
      : [],
  );
  // Set-based inbound messages (issue 16): their contacts held and written once, their rows in one INSERT. A batch
  // with a marketing preference (which locks its contact on its own) or with two contacts to merge takes the
  // per-message path instead, unchanged.
  const contacts = events.some(({ event }) => event.kind === 'user_preference')
    ? undefined
    : await BatchContacts.hold(transaction, inbound);
  const inboundNow =
    contacts === undefined
      ? undefined
      : await recordInboundMessages(
          transaction,
          inbound.map(({ origin, event }) => ({ origin, contactId: contacts.of(origin.deploymentId, event.contact).id, event })),
        );
  const lookups = await BatchLookups.load(transaction, events);
  const deliveries = new HelpdeskDeliveries(transaction);
  const batch: Batch = { transaction, lookups, deliveries, contacts, inboundNow };
  for (const [index, routed] of events.entries()) {
    if (routed.event.kind === 'message_status') {
      // Each status moves things once: the first time it is recorded (a duplicate later in the batch does not).
      if (recordedNow.delete(statusKey(routed.origin.deploymentId, routed.event))) {
        await applyStatus(batch, index, routed.accountId, routed.origin.deploymentId, routed.event);
      }
    } else {
      await applyEvent(batch, routed, logger);
    }
  }
  await contacts?.flush();
}

/** What the events of one batch share. */
interface Batch {
  transaction: Transaction<Schema>;
  lookups: BatchLookups;
  deliveries: HelpdeskDeliveries;
  /** The contacts of the batch's inbound messages, held (undefined: the per-message path). */
  contacts: BatchContacts | undefined;
  /** The inbound messages recorded now by the batch's INSERT, by `inboundKey` (with `contacts`). */
  inboundNow: Set<string> | undefined;
}

/** A customer's message recorded for the first time: its window, the helpdesks' deliveries, an opt-out keyword. */
async function applyNewInbound(batch: Batch, routed: RoutedEvent, event: Extract<WebhookEvent, { kind: 'inbound_message' }>) {
  const { transaction, lookups, deliveries } = batch;
  const { origin, accountId } = routed;
  const deploymentId = origin.deploymentId;
  // The helpdesks' deliveries (Zendesk push) are written with the message: a crash after this commit loses none.
  await deliveries.queue(deploymentId, { direction: 'inbound', externalId: event.messageId, accountId });
  // Most messages are no keyword: the account's settings, read once a batch, say so without a query.
  const settings = await lookups.optinSettings(accountId);
  if (event.textBody !== null && matchOptOutKeyword(event.textBody, settings.keywords) !== null) {
    await recordKeywordConsent(transaction, accountId, deploymentId, event);
  }
}

/** Any event but a status, one at a time. */
async function applyEvent(batch: Batch, routed: RoutedEvent, logger: Logger) {
  const { transaction, lookups, contacts, inboundNow } = batch;
  const { origin, accountId, position, event } = routed;
  const deploymentId = origin.deploymentId;
  switch (event.kind) {
    case 'inbound_message': {
      if (contacts !== undefined && inboundNow !== undefined) {
        const contact = contacts.of(deploymentId, event.contact);
        lookups.contactExists(deploymentId, { waId: contact.wa_id, userId: contact.user_id });
        if (inboundNow.delete(inboundKey(deploymentId, event.messageId))) {
          contacts.recordInbound(contact, { timestamp: event.timestamp, hasReferral: event.referral !== null });
          await applyNewInbound(batch, routed, event);
        }
        break;
      }
      const contact = await lockContact(transaction, deploymentId, event.contact);
      lookups.contactExists(deploymentId, { waId: contact.wa_id, userId: contact.user_id });
      if (await recordInboundMessage(transaction, origin, contact.id, event)) {
        await recordInbound(transaction, contact, { timestamp: event.timestamp, hasReferral: event.referral !== null });
        await applyNewInbound(batch, routed, event);
      }
      break;
    }
    case 'user_preference': {
      const contact = await lockContact(transaction, deploymentId, event.contact);
      lookups.contactExists(deploymentId, { waId: contact.wa_id, userId: contact.user_id });
      await recordMarketingPreference(transaction, contact, { value: event.value, timestamp: event.timestamp });
      await recordPreferenceConsent(transaction, accountId, deploymentId, event);
      await recordDeploymentEvent(transaction, origin, position, event, event.timestamp);
      break;
    }
    case 'template_status':
      await applyTemplateEvent(transaction, deploymentId, event.entryId, event.templateId, {
        status: templateStatusAfter(event.event),
      });
      await recordDeploymentEvent(transaction, origin, position, event, null);
      break;
    case 'template_category':
      await applyTemplateEvent(transaction, deploymentId, event.entryId, event.templateId, {
        category: event.currentCategory,
      });
      await recordDeploymentEvent(transaction, origin, position, event, null);
      break;
    case 'malformed':
    case 'unknown':
      logger.warn(
        { webhookEventId: origin.webhookEventId, field: event.field, kind: event.kind },
        'webhook change kept but not understood',
      );
      await recordDeploymentEvent(transaction, origin, position, event, null);
      break;
    default:
      await recordDeploymentEvent(transaction, origin, position, event, null);
  }
}

/** A status recorded for the first time moves what it is about: the window, consent, our message, its points. */
async function applyStatus(
  batch: Batch,
  index: number,
  accountId: string,
  deploymentId: string,
  event: StatusEvent,
): Promise<void> {
  const { transaction, lookups, deliveries, contacts } = batch;
  // A message to someone who never wrote has no contact to move (recordBusinessReply would find none). On the
  // set-based path the reply is folded in memory, and written with the batch's other contacts at the end.
  if (event.status === 'sent' && lookups.contactMayExist(deploymentId, event.recipient)) {
    if (contacts !== undefined) contacts.recordBusinessReply(index, deploymentId, event.recipient, event.timestamp);
    else await recordBusinessReply(transaction, deploymentId, event.recipient, event.timestamp);
  }
  await recordStatusStopConsent(transaction, accountId, deploymentId, event);
  const firstError = event.errors[0];
  const mayAccept = lookups.mayAccept(deploymentId, event);
  const acceptedNow = await reconcileFromStatus(transaction, deploymentId, {
    wamid: event.messageId,
    // Our id only when the message may still lack its wamid: otherwise its UPDATE would match nothing.
    bizOpaqueCallbackData: mayAccept ? event.bizOpaqueCallbackData : null,
    failure:
      event.status === 'failed' && firstError !== undefined
        ? metaApiErrorFrom({ source: 'status_webhook', error: firstError })
        : undefined,
  });
  if (mayAccept) lookups.accepted(deploymentId, event);
  // A send whose answer we never saw, accepted after all: the helpdesks get it like any message the business sent.
  if (acceptedNow !== undefined) {
    await deliveries.queue(deploymentId, { direction: 'outbound', externalId: acceptedNow, accountId });
  }
  // A status about a message we did not send (or another tool sent) has no charge to settle.
  if (lookups.messageMayExist(deploymentId, event)) await settleFromStatus(transaction, lookups, deploymentId, event);
}

type StatusEvent = Extract<WebhookEvent, { kind: 'message_status' }>;

/**
 * Meta's pricing settles a message's hold: `regular` (billable) captures it at the category Meta reports,
 * `free_customer_service` / `free_entry_point` (not billable) and `failed` release it. Only a held charge moves,
 * under its row lock, so a duplicate or a later status (sent, then delivered, both priced) settles nothing again.
 * Meta's word is kept beside the settlement either way, for the reconciliation to compare.
 */
async function settleFromStatus(
  transaction: Transaction<Schema>,
  lookups: BatchLookups,
  deploymentId: string,
  event: StatusEvent,
): Promise<void> {
  const settlement = settlementOf(event.status, event.pricing);
  if (settlement === undefined) return;
  const messageId = await lookups.messageIdOf(deploymentId, event);
  if (messageId === undefined || !lookups.mayHaveCharge(messageId)) return;
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
