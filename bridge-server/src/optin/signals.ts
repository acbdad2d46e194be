import {
  consentFromKeyword,
  consentFromMetaError131050,
  consentFromUserPreference,
  type InboundMessageEvent,
  type MessageStatusEvent,
  matchOptOutKeyword,
  topicForTemplate,
  type UserPreferenceEvent,
} from '@wabridge/shared';
import type { Transaction } from 'kysely';
import { enqueueText } from '../outbox/store.js';
import type { Schema } from '../storage/schema.js';
import { appendConsents, consentRecordsOf, loadOptinSettings, phoneOfWaId } from './store.js';

/**
 * The three ways a customer opts out without the business asking — a keyword message, WhatsApp's own
 * marketing controls, Meta refusing a send with 131050 — recorded as consents inside the webhook's
 * transaction, so they happen exactly once with the event that carried them.
 *
 * A keyword that changed something is answered with the account's confirmation text, if it has one: the
 * reply goes into the outbox in this same transaction (the outbox worker sends it), so a webhook applied
 * twice, or rolled back, never answers twice or answers what was not recorded. Only keywords are answered:
 * the customer has just written, so the customer service window is open. WhatsApp's Stop button and Meta's
 * 131050 get no reply: the customer wrote nothing to us, the window is often closed (a free-form reply would
 * be refused), and a message right after "stop sending me marketing" is the one thing they asked not to get.
 */
export async function recordKeywordConsent(
  transaction: Transaction<Schema>,
  accountId: string,
  deploymentId: string,
  event: InboundMessageEvent,
): Promise<void> {
  const phone = phoneOfWaId(event.contact.waId);
  if (phone === null || event.textBody === null) return;
  const settings = await loadOptinSettings(transaction, accountId);
  const match = matchOptOutKeyword(event.textBody, settings.keywords);
  if (match === null) return;
  const records = await consentRecordsOf(transaction, accountId, phone);
  const entries = consentFromKeyword(
    match,
    { messageId: event.messageId, timestamp: event.timestamp },
    { configuration: settings.configuration, records },
  );
  const appended = await appendConsents(transaction, accountId, phone, entries, {
    deploymentId,
    messageRef: event.messageId,
  });
  const reply = settings.confirmations[match.kind];
  if (appended.length > 0 && reply !== null) {
    await enqueueText(transaction, {
      accountId,
      deploymentId,
      payload: {
        to: phone,
        body: reply,
        cause: { kind: `keyword_${match.kind}`, inbound_wamid: event.messageId, keyword: match.keyword },
      },
    });
  }
}

export async function recordPreferenceConsent(
  transaction: Transaction<Schema>,
  accountId: string,
  deploymentId: string,
  event: UserPreferenceEvent,
): Promise<void> {
  const phone = phoneOfWaId(event.contact.waId);
  if (phone === null) return;
  const settings = await loadOptinSettings(transaction, accountId);
  const records = await consentRecordsOf(transaction, accountId, phone);
  const entries = consentFromUserPreference(
    { value: event.value, timestamp: event.timestamp, detail: event.detail },
    { configuration: settings.configuration, records },
  );
  await appendConsents(transaction, accountId, phone, entries, { deploymentId });
}

/** Meta's 131050: the customer stopped marketing in WhatsApp. The refused template's topic is withdrawn too. */
export async function recordMetaStopConsent(
  transaction: Transaction<Schema>,
  accountId: string,
  deploymentId: string,
  refusal: {
    wamid: string;
    timestamp: Date;
    phone: string | null;
    template?: { name: string; category: string | null } | undefined;
  },
): Promise<void> {
  if (refusal.phone === null) return;
  const settings = await loadOptinSettings(transaction, accountId);
  const topic =
    refusal.template === undefined
      ? undefined
      : topicForTemplate(settings.configuration, {
          name: refusal.template.name,
          category: refusal.template.category ?? 'MARKETING',
        });
  const entries = consentFromMetaError131050(
    { wamid: refusal.wamid, timestamp: refusal.timestamp, ...(topic !== undefined ? { topic } : {}) },
    { configuration: settings.configuration },
  );
  await appendConsents(transaction, accountId, refusal.phone, entries, { deploymentId, messageRef: refusal.wamid });
}

/** A `failed` status with Meta's 131050, for the message's recipient. */
export async function recordStatusStopConsent(
  transaction: Transaction<Schema>,
  accountId: string,
  deploymentId: string,
  event: MessageStatusEvent,
): Promise<void> {
  if (event.status !== 'failed' || !event.errors.some((error) => error.code === 131050)) return;
  const message = await transaction
    .selectFrom('messages')
    .select(['template_name', 'template_category', 'recipient_phone'])
    .where('deployment_id', '=', deploymentId)
    .where('wamid', '=', event.messageId)
    .executeTakeFirst();
  await recordMetaStopConsent(transaction, accountId, deploymentId, {
    wamid: event.messageId,
    timestamp: event.timestamp,
    phone: message?.recipient_phone ?? phoneOfWaId(event.recipient.waId),
    template: message?.template_name ? { name: message.template_name, category: message.template_category } : undefined,
  });
}
