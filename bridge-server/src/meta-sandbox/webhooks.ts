import type { Customer, PhoneNumber, SentMessage, StatusRecord, Template } from './state.js';

/**
 * Builders for webhook changes, shaped like the bodies Meta sends (see /work/shared/fixtures/pywa/*.json).
 * A change is one `{field, value}`; the dispatcher wraps changes in `{object, entry:[{id, changes}]}`.
 */

export interface WebhookChange {
  field: string;
  value: Record<string, unknown>;
}

export interface WebhookBody {
  object: 'whatsapp_business_account';
  entry: { id: string; time?: number; changes: WebhookChange[] }[];
}

/** Webhook metadata carries the display number as digits only ("15550783881"), whatever Graph shows. */
export function displayDigits(number: PhoneNumber): string {
  return number.displayPhoneNumber.replace(/\D/g, '');
}

export function unixSeconds(timeMs: number): number {
  return Math.floor(timeMs / 1000);
}

function messagesValue(number: PhoneNumber, rest: Record<string, unknown>): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: displayDigits(number), phone_number_id: number.phoneNumberId },
    ...rest,
  };
}

export function contactOf(customer: Customer): Record<string, unknown> {
  return {
    profile: { name: customer.name, ...(customer.username !== undefined ? { username: customer.username } : {}) },
    ...(customer.waId !== undefined ? { wa_id: customer.waId } : {}),
    ...(customer.userId !== undefined ? { user_id: customer.userId } : {}),
  };
}

/** One status of a sent message; pricing rides on `sent` and `delivered`. */
export function statusChange(number: PhoneNumber, message: SentMessage, record: StatusRecord): WebhookChange {
  const withPricing = (record.status === 'sent' || record.status === 'delivered') && message.pricing !== undefined;
  const status = {
    id: message.wamid,
    status: record.status,
    timestamp: String(record.timestampSeconds),
    ...(message.recipientWaId !== undefined ? { recipient_id: message.recipientWaId } : {}),
    ...(message.recipientUserId !== undefined ? { recipient_user_id: message.recipientUserId } : {}),
    ...(message.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: message.bizOpaqueCallbackData } : {}),
    ...(withPricing ? { pricing: message.pricing } : {}),
    ...(record.errors !== undefined ? { errors: record.errors } : {}),
  };
  return { field: 'messages', value: messagesValue(number, { statuses: [status] }) };
}

/** An inbound photo as Meta's webhook describes it: the media id to fetch, its type and hash, the caption. */
export interface InboundImage {
  id: string;
  mime_type: string;
  sha256: string;
  caption?: string;
}

export interface InboundMessage {
  wamid: string;
  timestampSeconds: number;
  content: { text: string } | { image: InboundImage };
  referral: Record<string, unknown> | undefined;
  contextMessageId: string | undefined;
}

/**
 * A customer's text message or photo. A username-only customer has no phone number: the message then carries
 * `from_user_id` instead of `from` (Meta's 2026 business-scoped user id change; exact field names uncertain).
 */
export function inboundMessageChange(number: PhoneNumber, customer: Customer, inbound: InboundMessage): WebhookChange {
  const message = {
    ...(customer.waId !== undefined ? { from: customer.waId } : {}),
    ...(customer.userId !== undefined ? { from_user_id: customer.userId } : {}),
    id: inbound.wamid,
    timestamp: String(inbound.timestampSeconds),
    ...(inbound.contextMessageId !== undefined ? { context: { from: displayDigits(number), id: inbound.contextMessageId } } : {}),
    ...(inbound.referral !== undefined ? { referral: inbound.referral } : {}),
    ...('image' in inbound.content
      ? { type: 'image', image: inbound.content.image }
      : { type: 'text', text: { body: inbound.content.text } }),
  };
  return { field: 'messages', value: messagesValue(number, { contacts: [contactOf(customer)], messages: [message] }) };
}

export function userPreferenceChange(
  number: PhoneNumber,
  customer: Customer,
  value: 'stop' | 'resume',
  timestampSeconds: number,
): WebhookChange {
  const preference = {
    ...(customer.waId !== undefined ? { wa_id: customer.waId } : {}),
    ...(customer.userId !== undefined ? { user_id: customer.userId } : {}),
    detail: value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
    category: 'marketing_messages',
    value,
    timestamp: timestampSeconds,
  };
  return {
    field: 'user_preferences',
    value: messagesValue(number, { contacts: [contactOf(customer)], user_preferences: [preference] }),
  };
}

export function templateStatusChange(
  template: Template,
  event: string,
  reason: string,
  rejectionInfo: Record<string, unknown> | undefined,
): WebhookChange {
  return {
    field: 'message_template_status_update',
    value: {
      event,
      message_template_id: Number(template.id),
      message_template_name: template.name,
      message_template_language: template.language,
      reason,
      message_template_category: template.category,
      ...(rejectionInfo !== undefined ? { rejection_info: rejectionInfo } : {}),
    },
  };
}

export function templateCategoryChange(template: Template, previousCategory: string, newCategory: string): WebhookChange {
  return {
    field: 'template_category_update',
    value: {
      message_template_id: Number(template.id),
      message_template_name: template.name,
      message_template_language: template.language,
      previous_category: previousCategory,
      new_category: newCategory,
    },
  };
}

/**
 * phone_number_quality_update as its 2025 reference shows it: `current_limit` and `old_limit` (to be removed
 * in 2026) next to `max_daily_conversations_per_business`.
 */
export function qualityChange(
  number: PhoneNumber,
  event: string,
  currentLimit: string,
  oldLimit: string | undefined,
): WebhookChange {
  return {
    field: 'phone_number_quality_update',
    value: {
      display_phone_number: displayDigits(number),
      event,
      ...(oldLimit !== undefined ? { old_limit: oldLimit } : {}),
      current_limit: currentLimit,
      max_daily_conversations_per_business: currentLimit,
    },
  };
}

/**
 * `phone_number_name_update` (webhook reference, updated May 2026): the outcome of a display name review,
 * `{display_phone_number, decision: APPROVED|DEFERRED|REJECTED, requested_verified_name, rejection_reason}`.
 */
export function nameDecisionChange(
  number: PhoneNumber,
  decision: string,
  requestedVerifiedName: string,
  rejectionReason: string | undefined,
): WebhookChange {
  return {
    field: 'phone_number_name_update',
    value: {
      display_phone_number: displayDigits(number),
      decision,
      requested_verified_name: requestedVerifiedName,
      rejection_reason: rejectionReason ?? 'NONE',
    },
  };
}

export function accountUpdateChange(event: string, details: Record<string, unknown>): WebhookChange {
  return { field: 'account_update', value: { event, ...details } };
}

/** Fields whose entries carry a `time` in Meta's bodies (messages and user_preferences entries do not). */
const timedFields = new Set([
  'message_template_status_update',
  'template_category_update',
  'phone_number_quality_update',
  'phone_number_name_update',
  'account_update',
]);

export function webhookBody(wabaId: string, changes: WebhookChange[], nowMs: number): WebhookBody {
  const timed = changes.some((change) => timedFields.has(change.field));
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, ...(timed ? { time: unixSeconds(nowMs) } : {}), changes }],
  };
}

/**
 * Batching: status updates of one number merge into one `statuses` array (Meta sends several statuses in
 * one value); every other update stays its own change of the same entry.
 */
export function mergeChanges(changes: WebhookChange[]): WebhookChange[] {
  const merged: WebhookChange[] = [];
  let statuses: unknown[] | undefined;
  for (const change of changes) {
    const value = change.value;
    const statusOnly = change.field === 'messages' && Array.isArray(value.statuses) && value.messages === undefined;
    if (!statusOnly) {
      merged.push(change);
    } else if (statuses === undefined) {
      statuses = [...(value.statuses as unknown[])];
      merged.push({ field: change.field, value: { ...value, statuses } });
    } else {
      statuses.push(...(value.statuses as unknown[]));
    }
  }
  return merged;
}
