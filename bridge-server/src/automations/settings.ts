import { type Kysely, sql } from 'kysely';
import type { Schema } from '../storage/schema.js';

/** An account's automation settings: the window reminder's lead time in minutes, or null when reminders are off. */
export interface AutomationSettings {
  window_reminder_minutes: number | null;
}

/** The account's settings; an account that never saved any has reminders off. */
export async function loadAutomationSettings(db: Kysely<Schema>, accountId: string): Promise<AutomationSettings> {
  const row = await db
    .selectFrom('automation_settings')
    .select('window_reminder_minutes')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return { window_reminder_minutes: row?.window_reminder_minutes ?? null };
}

/** Saves the account's settings (one row per account) and answers them as stored. */
export async function saveAutomationSettings(
  db: Kysely<Schema>,
  accountId: string,
  settings: AutomationSettings,
): Promise<AutomationSettings> {
  await db
    .insertInto('automation_settings')
    .values({ account_id: accountId, window_reminder_minutes: settings.window_reminder_minutes })
    .onConflict((conflict) =>
      conflict
        .column('account_id')
        .doUpdateSet({ window_reminder_minutes: settings.window_reminder_minutes, updated_at: sql<Date>`now()` }),
    )
    .execute();
  return loadAutomationSettings(db, accountId);
}
