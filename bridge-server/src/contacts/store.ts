import {
  type ContactActivity,
  foldBusinessReply,
  foldInbound,
  type WhatsAppContact,
  type WhatsAppUserIdentity,
} from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';

export type ContactRow = Selectable<Schema['contacts']>;

export function activityOf(contact: ContactRow | undefined): ContactActivity {
  return {
    lastInboundAt: contact?.last_inbound_at ?? null,
    lastReferralInboundAt: contact?.last_referral_inbound_at ?? null,
    firstReplyAfterReferralAt: contact?.first_reply_after_referral_at ?? null,
  };
}

function sameInstant(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}

async function saveActivity(transaction: Transaction<Schema>, contact: ContactRow, activity: ContactActivity): Promise<void> {
  const current = activityOf(contact);
  if (
    sameInstant(current.lastInboundAt, activity.lastInboundAt) &&
    sameInstant(current.lastReferralInboundAt, activity.lastReferralInboundAt) &&
    sameInstant(current.firstReplyAfterReferralAt, activity.firstReplyAfterReferralAt)
  ) {
    return;
  }
  await transaction
    .updateTable('contacts')
    .set({
      last_inbound_at: activity.lastInboundAt,
      last_referral_inbound_at: activity.lastReferralInboundAt,
      first_reply_after_referral_at: activity.firstReplyAfterReferralAt,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', contact.id)
    .execute();
}

/**
 * Finds or creates the contact for whichever identities Meta gave (phone-based wa_id, business-scoped
 * user id, or both), locked for the rest of the transaction. When both identities arrive and each
 * already names a different contact, the two are merged: they were always one person.
 */
export async function lockContact(
  transaction: Transaction<Schema>,
  deploymentId: string,
  identity: WhatsAppContact | WhatsAppUserIdentity,
): Promise<ContactRow> {
  const profileName = 'profileName' in identity ? identity.profileName : null;
  await transaction
    .insertInto('contacts')
    .values({ deployment_id: deploymentId, wa_id: identity.waId, user_id: identity.userId, profile_name: profileName })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  const matches = await transaction
    .selectFrom('contacts')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where((eb) =>
      eb.or([
        ...(identity.waId !== null ? [eb('wa_id', '=', identity.waId)] : []),
        ...(identity.userId !== null ? [eb('user_id', '=', identity.userId)] : []),
      ]),
    )
    .orderBy('id')
    .forUpdate()
    .execute();
  let contact = matches[0] as ContactRow;
  for (const duplicate of matches.slice(1)) contact = await mergeContacts(transaction, contact, duplicate);
  const linked = {
    wa_id: contact.wa_id ?? identity.waId,
    user_id: contact.user_id ?? identity.userId,
    profile_name: profileName ?? contact.profile_name,
  };
  if (linked.wa_id !== contact.wa_id || linked.user_id !== contact.user_id || linked.profile_name !== contact.profile_name) {
    return transaction
      .updateTable('contacts')
      .set({ ...linked, updated_at: sql<Date>`now()` })
      .where('id', '=', contact.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return contact;
}

async function mergeContacts(transaction: Transaction<Schema>, keep: ContactRow, other: ContactRow): Promise<ContactRow> {
  await transaction.updateTable('inbound_messages').set({ contact_id: keep.id }).where('contact_id', '=', other.id).execute();
  await transaction.deleteFrom('contacts').where('id', '=', other.id).execute();
  const later = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a > b ? a : b);
  const preferenceFromOther =
    other.marketing_preference_at !== null &&
    (keep.marketing_preference_at === null || other.marketing_preference_at > keep.marketing_preference_at);
  return transaction
    .updateTable('contacts')
    .set({
      wa_id: keep.wa_id ?? other.wa_id,
      user_id: keep.user_id ?? other.user_id,
      profile_name: keep.profile_name ?? other.profile_name,
      last_inbound_at: later(keep.last_inbound_at, other.last_inbound_at),
      last_referral_inbound_at: later(keep.last_referral_inbound_at, other.last_referral_inbound_at),
      first_reply_after_referral_at: keep.first_reply_after_referral_at ?? other.first_reply_after_referral_at,
      marketing_preference: preferenceFromOther ? other.marketing_preference : keep.marketing_preference,
      marketing_preference_at: preferenceFromOther ? other.marketing_preference_at : keep.marketing_preference_at,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', keep.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function recordInbound(
  transaction: Transaction<Schema>,
  contact: ContactRow,
  inbound: { timestamp: Date; hasReferral: boolean },
): Promise<void> {
  await saveActivity(transaction, contact, foldInbound(activityOf(contact), inbound));
}

/** A message the business sent reached Meta (a `sent` status): it may be the reply that starts a free entry point. */
export async function recordBusinessReply(
  transaction: Transaction<Schema>,
  deploymentId: string,
  recipient: WhatsAppUserIdentity,
  sentAt: Date,
): Promise<void> {
  if (recipient.waId === null && recipient.userId === null) return;
  const contact = await transaction
    .selectFrom('contacts')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where((eb) =>
      eb.or([
        ...(recipient.waId !== null ? [eb('wa_id', '=', recipient.waId)] : []),
        ...(recipient.userId !== null ? [eb('user_id', '=', recipient.userId)] : []),
      ]),
    )
    .forUpdate()
    .executeTakeFirst();
  // A message to someone who never wrote cannot answer a click-to-WhatsApp ad: nothing to record.
  if (contact === undefined) return;
  await saveActivity(transaction, contact, foldBusinessReply(activityOf(contact), { sentAt }));
}

export async function recordMarketingPreference(
  transaction: Transaction<Schema>,
  contact: ContactRow,
  preference: { value: string; timestamp: Date },
): Promise<void> {
  if (preference.value !== 'stop' && preference.value !== 'resume') return;
  if (contact.marketing_preference_at !== null && contact.marketing_preference_at >= preference.timestamp) return;
  await transaction
    .updateTable('contacts')
    .set({ marketing_preference: preference.value, marketing_preference_at: preference.timestamp, updated_at: sql<Date>`now()` })
    .where('id', '=', contact.id)
    .execute();
}

/** The contact a phone number names on a deployment (Meta's wa_id is the number's digits). */
export async function findContactByPhone(
  db: Kysely<Schema>,
  deploymentId: string,
  phoneE164: string,
): Promise<ContactRow | undefined> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('wa_id', '=', phoneE164.replace(/^\+/, ''))
    .executeTakeFirst();
}

/**
 * `findContactByPhone` for many deployments' phones in one statement (storage/turn-batch.ts), answered in the keys'
 * order.
 */
export async function findContactsByPhone(
  db: Kysely<Schema>,
  keys: readonly { deploymentId: string; phoneE164: string }[],
): Promise<(ContactRow | undefined)[]> {
  const asked = sql<{ deployment_id: string; wa_id: string; n: number }>`
    unnest(${keys.map((key) => key.deploymentId)}::text[], ${keys.map((key) => key.phoneE164.replace(/^\+/, ''))}::text[])
    WITH ORDINALITY`.as<'k'>(sql`k (deployment_id, wa_id, n)`);
  const rows = await db
    .selectFrom(asked)
    .innerJoin('contacts', (join) =>
      join.onRef('contacts.deployment_id', '=', 'k.deployment_id').onRef('contacts.wa_id', '=', 'k.wa_id'),
    )
    .selectAll('contacts')
    .select((eb) => eb.cast<number>('k.n', 'integer').as('n'))
    .execute();
  const found: (ContactRow | undefined)[] = keys.map(() => undefined);
  for (const { n, ...contact } of rows) found[n - 1] = contact;
  return found;
}
