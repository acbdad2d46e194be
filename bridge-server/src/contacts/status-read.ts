import { type ConsentRecord, windowState } from '@wabridge/shared';
import type { Kysely } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { currentReminderQuery, reminderOf } from '../automations/reminders.js';
import { accountStandingOf, type NumberSending, numberSendingOf } from '../numbers/health.js';
import { accountEventRowsOf, latestAccountEventsQuery } from '../numbers/health-store.js';
import { asConsentRecord, type OptinSettings, optinSettingsOf } from '../optin/store.js';
import type { Schema } from '../storage/schema.js';
import { activityOf, type ContactRow } from './store.js';

/** An instant read inside a JSON document (text there), as the date a plain read gives. */
const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/**
 * What the panel's status endpoint reads (`GET /v1/contacts/{phone}/status`), in ONE statement (issue 16, hot path):
 * the contact (contacts/store.ts findContactByPhone), the account's opt-in settings (optin/store.ts loadOptinSettings),
 * the phone's consent records (consentRecordsOf) and the current window reminder (automations/reminders.ts
 * currentReminder), and the deployment's latest account webhooks (numbers/health-store.ts latestAccountEventsQuery:
 * whether the number can send at all), each as a JSON sub-select of the same query those functions send alone. On this
 * machine the cost of a read is mostly its statement (a socket write and a result to parse, per statement), not the
 * index probe: one statement instead of five.
 */
export async function readContactStatus(
  db: Kysely<Schema>,
  { deploymentId, accountId, phone, now }: { deploymentId: string; accountId: string; phone: string; now: Date },
): Promise<{
  contact: ContactRow | undefined;
  settings: OptinSettings;
  records: ConsentRecord[];
  reminder: ReturnType<typeof reminderOf>;
  number: NumberSending;
}> {
  const row = await db
    .selectNoFrom([
      jsonObjectFrom(
        db
          .selectFrom('contacts')
          .selectAll()
          .where('deployment_id', '=', deploymentId)
          .where('wa_id', '=', phone.replace(/^\+/, '')),
      ).as('contact'),
      jsonObjectFrom(
        db
          .selectFrom('account_optin_settings')
          .select(['topics', 'keywords', 'business_names', 'confirmations'])
          .where('account_id', '=', accountId),
      ).as('settings'),
      jsonArrayFrom(
        db.selectFrom('consents').selectAll().where('account_id', '=', accountId).where('phone', '=', phone).orderBy('id'),
      ).as('consents'),
      jsonObjectFrom(currentReminderQuery(db, deploymentId, phone, now)).as('reminder'),
      jsonArrayFrom(latestAccountEventsQuery(db, deploymentId)).as('account_events'),
    ])
    .executeTakeFirstOrThrow();
  const stored = row.contact as (Omit<ContactRow, 'id'> & { id: number | string }) | null;
  const contact: ContactRow | undefined =
    stored === null
      ? undefined
      : {
          ...stored,
          id: Number(stored.id),
          last_inbound_at: instant(stored.last_inbound_at),
          last_referral_inbound_at: instant(stored.last_referral_inbound_at),
          first_reply_after_referral_at: instant(stored.first_reply_after_referral_at),
          marketing_preference_at: instant(stored.marketing_preference_at),
          created_at: new Date(stored.created_at),
          updated_at: new Date(stored.updated_at),
        };
  return {
    contact,
    settings: optinSettingsOf(row.settings ?? undefined),
    records: row.consents.map((consent) =>
      asConsentRecord({
        ...consent,
        id: Number(consent.id),
        occurred_at: new Date(consent.occurred_at),
        recorded_at: new Date(consent.recorded_at),
      }),
    ),
    reminder: reminderOf(row.reminder, phone),
    // A restriction stops answers or new conversations: which one this customer gets depends on their window.
    number: numberSendingOf(accountStandingOf(accountEventRowsOf(row.account_events), now), {
      open: windowState(activityOf(contact), now).state === 'open',
    }),
  };
}
