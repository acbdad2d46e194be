import { type ConsentRecord, windowState } from '@wabridge/shared';
import { type AliasedExpression, type Expression, type Kysely, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { currentReminderQuery, reminderOf } from '../automations/reminders.js';
import { accountStandingOf, type NumberSending, numberSendingOf } from '../numbers/health.js';
import { accountEventRowsOf, latestAccountEventsQuery } from '../numbers/health-store.js';
import { asConsentRecord, type OptinSettings, optinSettingsOf } from '../optin/store.js';
import { type BearerFound, type BearerLookup, bearerFoundOf, bearerLookups } from '../security/authenticate.js';
import type { Schema } from '../storage/schema.js';
import { activityOf, type ContactRow } from './store.js';

/** An instant read inside a JSON document (text there), as the date a plain read gives. */
const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

export interface ContactStatus {
  contact: ContactRow | undefined;
  settings: OptinSettings;
  records: ConsentRecord[];
  reminder: ReturnType<typeof reminderOf>;
  number: NumberSending;
}

/**
 * What the panel's status endpoint reads (`GET /v1/contacts/{phone}/status`), for many panels in ONE statement (issue
 * 16, hot path), the statement that looks their tokens up (security/authenticate.ts `bearerLookups`,
 * `authenticateAlong`). Per key, for the installation its token names: the contact (contacts/store.ts
 * findContactByPhone), the account's opt-in settings (optin/store.ts loadOptinSettings), the phone's consent records
 * (consentRecordsOf), the current window reminder (automations/reminders.ts currentReminder) and the deployment's
 * latest account webhooks (numbers/health-store.ts latestAccountEventsQuery: whether the number can send at all), each
 * as a JSON sub-select of the same query those functions send alone. On this machine the cost of a read is mostly its
 * statement (a socket write and a result to parse, per statement), not the index probes: one statement for the
 * authentication and the five reads, and one for every panel asking in the same turn (storage/turn-batch.ts). What
 * was read is handed over only if the authentication then lets the caller in; a token that names no installation
 * reads nothing (`read` undefined).
 */
export async function readContactStatusesAlong(
  db: Kysely<Schema>,
  keys: readonly { lookup: BearerLookup; phone: string; now: Date }[],
): Promise<{ found: BearerFound; read: ContactStatus | undefined }[]> {
  const asked = sql<{ phone: string; wa_id: string; now: Date; n: number }>`
    unnest(${keys.map((key) => key.phone)}::text[], ${keys.map((key) => key.phone.replace(/^\+/, ''))}::text[],
           ${keys.map((key) => key.now)}::timestamptz[]) WITH ORDINALITY`.as<'k'>(sql`k (phone, wa_id, now, n)`);
  const rows = await db
    .selectFrom(bearerLookups(keys.map((key) => key.lookup)))
    .innerJoin(asked, (join) => join.onRef('k.n', '=', 'a.n'))
    .selectAll('a')
    .select((eb) =>
      statusColumns(db, {
        deploymentId: eb.ref('a.deployment_id') as Expression<string>,
        accountId: eb.ref('a.account_id') as Expression<string>,
        phone: eb.ref('k.phone'),
        waId: eb.ref('k.wa_id'),
        now: eb.ref('k.now'),
      }),
    )
    .orderBy('a.n')
    .execute();
  const statuses = statusesOf(rows, keys);
  return rows.map((row, index) => {
    const found = bearerFoundOf(row);
    return { found, read: found.installation === undefined ? undefined : statuses[index] };
  });
}

interface StatusRefs {
  deploymentId: Expression<string>;
  accountId: Expression<string>;
  phone: Expression<string>;
  waId: Expression<string>;
  now: Expression<Date>;
}

/** The five reads as JSON sub-selects of one row, for the deployment, account and phone the row names. */
function statusColumns(db: Kysely<Schema>, { deploymentId, accountId, phone, waId, now }: StatusRefs) {
  return [
    jsonObjectFrom(db.selectFrom('contacts').selectAll().where('deployment_id', '=', deploymentId).where('wa_id', '=', waId)).as(
      'contact',
    ),
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
  ] as const;
}

/** A row that `statusColumns` was selected into. */
type StatusRow = { n: number } & {
  [C in ReturnType<typeof statusColumns>[number] as C extends AliasedExpression<unknown, infer A>
    ? A
    : never]: C extends AliasedExpression<infer T, string> ? T : never;
};

/** The statuses of `rows`, one per key, in the keys' order. */
function statusesOf(rows: readonly StatusRow[], keys: readonly { phone: string; now: Date }[]): ContactStatus[] {
  // unnest WITH ORDINALITY gives exactly one row per key, numbered from 1 in the keys' order.
  if (rows.length !== keys.length) throw new Error(`status read: ${rows.length} rows for ${keys.length} keys`);
  const statuses: ContactStatus[] = new Array(keys.length);
  for (const row of rows) {
    const { phone, now } = keys[row.n - 1] as { phone: string; now: Date };
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
    statuses[row.n - 1] = {
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
  return statuses;
}
