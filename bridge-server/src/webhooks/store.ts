import type { InboundMessageEvent, MessageStatusEvent, WebhookEvent } from '@wabridge/shared';
import { sql, type Transaction } from 'kysely';
import { type ArrayColumns, insertFromArrays } from '../storage/insert-arrays.js';
import type { Schema } from '../storage/schema.js';

/*
 * What Meta's webhooks told us, kept as received. Every write is keyed so that applying the same webhook
 * again changes nothing: inbound messages by wamid, statuses by wamid and status, other events by their
 * position in the stored body.
 */

/** Where a record came from: the stored webhook and the deployment its event was routed to. */
export interface WebhookOrigin {
  webhookEventId: number;
  deploymentId: string;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/** The inbound_messages row of a customer's message. */
function inboundRow({ origin, contactId, event }: { origin: WebhookOrigin; contactId: number; event: InboundMessageEvent }) {
  return {
    deployment_id: origin.deploymentId,
    wamid: event.messageId,
    contact_id: contactId,
    type: event.type,
    sent_at: event.timestamp,
    text_body: event.textBody,
    referral: event.referral === null ? null : json(event.referral),
    payload: json(event.raw),
    webhook_event_id: origin.webhookEventId,
  };
}

/** Records a customer's message; false when it was recorded before (Meta delivers webhooks more than once). */
export async function recordInboundMessage(
  transaction: Transaction<Schema>,
  origin: WebhookOrigin,
  contactId: number,
  event: InboundMessageEvent,
): Promise<boolean> {
  const inserted = await transaction
    .insertInto('inbound_messages')
    .values(inboundRow({ origin, contactId, event }))
    .onConflict((conflict) => conflict.columns(['deployment_id', 'wamid']).doNothing())
    .returning('wamid')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The key of an inbound message: one row per deployment and wamid (inbound_messages' unique key). */
export const inboundKey = (deploymentId: string, wamid: string) => `${deploymentId}\u0000${wamid}`;

/** inbound_messages' columns as `recordInboundMessages` writes them (every field of `inboundRow`), with their types. */
const inboundColumns: ArrayColumns<'inbound_messages', ReturnType<typeof inboundRow>> = {
  deployment_id: 'text',
  wamid: 'text',
  contact_id: 'bigint',
  type: 'text',
  sent_at: 'timestamptz',
  text_body: 'text',
  referral: 'jsonb',
  payload: 'jsonb',
  webhook_event_id: 'bigint',
};

/** Rows per INSERT of inbound messages (one array per column: the rows bound the statement's size, not its text). */
const inboundRowsPerStatementMax = 500;

/**
 * Records the customers' messages of a batch in one INSERT per few hundred (issue 16: set-based); answers the keys
 * (`inboundKey`) of those recorded now, not before. A wamid twice in the batch is recorded from its first occurrence.
 */
export async function recordInboundMessages(
  transaction: Transaction<Schema>,
  messages: { origin: WebhookOrigin; contactId: number; event: InboundMessageEvent }[],
): Promise<Set<string>> {
  const firstOccurrences = new Map<string, (typeof messages)[number]>();
  for (const message of messages) {
    const key = inboundKey(message.origin.deploymentId, message.event.messageId);
    if (!firstOccurrences.has(key)) firstOccurrences.set(key, message);
  }
  const rows = [...firstOccurrences.values()].map(inboundRow);
  const recorded = new Set<string>();
  for (let start = 0; start < rows.length; start += inboundRowsPerStatementMax) {
    const { rows: inserted } = await sql<{ deployment_id: string; wamid: string }>`
      ${insertFromArrays('inbound_messages', inboundColumns, rows.slice(start, start + inboundRowsPerStatementMax))}
      on conflict (deployment_id, wamid) do nothing
      returning deployment_id, wamid`.execute(transaction);
    for (const row of inserted) recorded.add(inboundKey(row.deployment_id, row.wamid));
  }
  return recorded;
}

/** The key of a delivery status: one row per message and status (message_statuses' primary key). */
export function statusKey(deploymentId: string, event: MessageStatusEvent): string {
  return `${deploymentId}\u0000${event.messageId}\u0000${event.status}`;
}

/** The message_statuses row of a delivery status. */
function statusRow(origin: WebhookOrigin, event: MessageStatusEvent) {
  return {
    deployment_id: origin.deploymentId,
    wamid: event.messageId,
    status: event.status,
    occurred_at: event.timestamp,
    recipient_wa_id: event.recipient.waId,
    recipient_user_id: event.recipient.userId,
    pricing: event.pricing === null ? null : json(event.pricing),
    errors: event.errors.length === 0 ? null : json(event.errors),
    biz_opaque_callback_data: event.bizOpaqueCallbackData,
    payload: json(event.raw),
    webhook_event_id: origin.webhookEventId,
  };
}

/** message_statuses' columns as `recordMessageStatuses` writes them (every field of `statusRow`), with their types. */
const statusColumns: ArrayColumns<'message_statuses', ReturnType<typeof statusRow>> = {
  deployment_id: 'text',
  wamid: 'text',
  status: 'text',
  occurred_at: 'timestamptz',
  recipient_wa_id: 'text',
  recipient_user_id: 'text',
  pricing: 'jsonb',
  errors: 'jsonb',
  biz_opaque_callback_data: 'text',
  payload: 'jsonb',
  webhook_event_id: 'bigint',
};

/**
 * Statuses per INSERT: a few hundred rows a statement already cost a small fraction of one row per statement (issue 16:
 * ~40,000 rows/s at 25 a statement), and bound the statement's size.
 */
const statusRowsPerStatementMax = 500;

/**
 * Records the delivery statuses of a batch, one INSERT per few hundred; answers the keys of those recorded now
 * (`statusKey`), not before. A status that occurs twice in the batch is recorded from its first occurrence only.
 */
export async function recordMessageStatuses(
  transaction: Transaction<Schema>,
  statuses: { origin: WebhookOrigin; event: MessageStatusEvent }[],
): Promise<Set<string>> {
  const firstOccurrences = new Map<string, { origin: WebhookOrigin; event: MessageStatusEvent }>();
  for (const status of statuses) {
    const key = statusKey(status.origin.deploymentId, status.event);
    if (!firstOccurrences.has(key)) firstOccurrences.set(key, status);
  }
  const rows = [...firstOccurrences.values()].map(({ origin, event }) => statusRow(origin, event));
  const recorded = new Set<string>();
  for (let start = 0; start < rows.length; start += statusRowsPerStatementMax) {
    const { rows: inserted } = await sql<{ deployment_id: string; wamid: string; status: string }>`
      ${insertFromArrays('message_statuses', statusColumns, rows.slice(start, start + statusRowsPerStatementMax))}
      on conflict (deployment_id, wamid, status) do nothing
      returning deployment_id, wamid, status`.execute(transaction);
    for (const row of inserted) recorded.add(`${row.deployment_id}\u0000${row.wamid}\u0000${row.status}`);
  }
  return recorded;
}

/**
 * Records any other event for its deployment, once per position in the stored body: the position is the event's
 * place among all the events of the body (webhooks/routing.ts), so the events of two deployments never collide.
 */
export async function recordDeploymentEvent(
  transaction: Transaction<Schema>,
  origin: WebhookOrigin,
  position: number,
  event: WebhookEvent,
  occurredAt: Date | null,
): Promise<void> {
  const payload = event.kind === 'malformed' ? { raw: event.raw, issues: event.issues } : event.raw;
  await transaction
    .insertInto('deployment_events')
    .values({
      deployment_id: origin.deploymentId,
      kind: event.kind,
      field: event.field,
      occurred_at: occurredAt,
      payload: json(payload),
      webhook_event_id: origin.webhookEventId,
      position,
    })
    .onConflict((conflict) => conflict.columns(['webhook_event_id', 'position']).doNothing())
    .execute();
}
