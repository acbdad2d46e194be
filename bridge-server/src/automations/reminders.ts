import { type Expression, type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Clock } from '../clock.js';
import { jobKinds } from '../jobs/kinds.js';
import { enqueueJob } from '../jobs/store.js';
import type { Schema } from '../storage/schema.js';
import type { NotePayload } from './runs.js';

/** The customer service window: 24 hours from the customer's last message (shared/src/windows.ts). */
const windowMs = 24 * 60 * 60_000;
/** A look a minute: a reminder is minutes ahead of the window's end, so a minute late is still useful. */
const pollIntervalMs = 60_000;

/**
 * Writes window reminders: for each account that asked for them, each customer whose window closes within the
 * account's N minutes, who wrote last (no message to them since), on the ticket the bridge last messaged them from.
 * The reminder row's key (deployment, phone, the message that opened the window) makes one reminder per window: the
 * row and its note job are written in one transaction, so of two replicas scanning at once one inserts, the other
 * finds the row and writes nothing. The note job asks the helpdesk whether the ticket is still open first.
 * Answers how many reminders this scan wrote.
 */
export async function scanWindowReminders(db: Kysely<Schema>, now: Date): Promise<number> {
  const due = await db
    .selectFrom('contacts')
    .innerJoin('deployments', 'deployments.id', 'contacts.deployment_id')
    .innerJoin('automation_settings', 'automation_settings.account_id', 'deployments.account_id')
    .select([
      'contacts.deployment_id',
      'contacts.wa_id',
      'contacts.last_inbound_at',
      'deployments.account_id',
      'automation_settings.window_reminder_minutes',
    ])
    .where('automation_settings.window_reminder_minutes', 'is not', null)
    .where('contacts.wa_id', 'is not', null)
    .where('contacts.last_inbound_at', '>', new Date(now.getTime() - windowMs))
    .where(
      sql<boolean>`contacts.last_inbound_at + interval '24 hours' - automation_settings.window_reminder_minutes * interval '1 minute' <= ${now}`,
    )
    .execute();
  let written = 0;
  for (const contact of due) {
    const phone = `+${contact.wa_id}`;
    const openedAt = contact.last_inbound_at!;
    // The ticket: the latest one the bridge sent to this customer from; none means no ticket to remind on.
    const latest = await db
      .selectFrom('messages')
      .select(['installation_id', 'ticket_id', 'ticket_helpdesk', 'created_at'])
      .where('deployment_id', '=', contact.deployment_id)
      .where('recipient_phone', '=', phone)
      .where('ticket_id', 'is not', null)
      .where('installation_id', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest === undefined) continue;
    // The customer wrote last: nothing sent to them (by anyone) since their message. Meta's timestamps are whole
    // seconds, so a message recorded within the second of the customer's counts as before it.
    const answered = await db
      .selectFrom('messages')
      .select('id')
      .where('deployment_id', '=', contact.deployment_id)
      .where('recipient_phone', '=', phone)
      .where('state', '<>', 'failed')
      .where('created_at', '>=', new Date(openedAt.getTime() + 1_000))
      .limit(1)
      .executeTakeFirst();
    if (answered !== undefined) continue;
    const closesAt = new Date(openedAt.getTime() + windowMs);
    const minutes = Math.max(0, Math.round((closesAt.getTime() - now.getTime()) / 60_000));
    const inserted = await db.transaction().execute(async (transaction) => {
      const row = await transaction
        .insertInto('window_reminders')
        .values({
          deployment_id: contact.deployment_id,
          recipient_phone: phone,
          window_opened_at: openedAt,
          installation_id: latest.installation_id!,
          ticket_id: latest.ticket_id!,
          closes_at: closesAt,
        })
        .onConflict((conflict) => conflict.columns(['deployment_id', 'recipient_phone', 'window_opened_at']).doNothing())
        .returning('recipient_phone')
        .executeTakeFirst();
      if (row === undefined) return false;
      await enqueueJob(transaction, {
        kind: jobKinds.helpdeskNote,
        accountId: contact.account_id,
        payload: {
          installation_id: latest.installation_id!,
          ticket_id: latest.ticket_id!,
          only_if_open: true,
          note: { kind: 'reminder', minutes, closesAt: closesAt.toISOString() },
        } satisfies NotePayload,
      });
      return true;
    });
    if (inserted) written += 1;
  }
  return written;
}

/** Every replica runs one; the reminder's key makes each window's reminder happen once. */
export class WindowReminderScanner extends BackgroundWorker {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onWritten: () => void,
  ) {
    super({ name: 'window reminders', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    await this.scan();
    return 'idle';
  }

  async scan(): Promise<number> {
    const written = await scanWindowReminders(this.db, this.clock.now());
    if (written > 0) {
      this.logger.info({ reminders: written }, 'window reminders queued');
      this.onWritten();
    }
    return written;
  }
}

/** The reminder written for the customer's current window (the panel's notice), if any. */
export async function currentReminder(db: Kysely<Schema>, deploymentId: string, phone: string, now: Date) {
  return reminderOf(await currentReminderQuery(db, deploymentId, phone, now).executeTakeFirst(), phone);
}

/** `currentReminder`'s query, to be run alone or as part of another (the status endpoint's one read). */
export function currentReminderQuery(
  db: Kysely<Schema>,
  deploymentId: string | Expression<string>,
  phone: string | Expression<string>,
  now: Date | Expression<Date>,
) {
  return db
    .selectFrom('window_reminders')
    .innerJoin('installations', 'installations.id', 'window_reminders.installation_id')
    .select(['window_reminders.ticket_id', 'window_reminders.closes_at', 'window_reminders.created_at', 'installations.helpdesk'])
    .where('window_reminders.deployment_id', '=', deploymentId)
    .where('window_reminders.recipient_phone', '=', phone)
    .where('window_reminders.closes_at', '>', now)
    .orderBy('window_reminders.window_opened_at', 'desc')
    .limit(1);
}

/** The reminder `currentReminderQuery` found (its instants as dates, or as JSON text when read inside another query). */
export function reminderOf(
  row:
    | { ticket_id: string; closes_at: Date | string; created_at: Date | string; helpdesk: 'zendesk' | 'zoho' }
    | null
    | undefined,
  phone: string,
) {
  if (row === undefined || row === null) return null;
  return {
    phone,
    ticket: { helpdesk: row.helpdesk, id: row.ticket_id },
    closes_at: new Date(row.closes_at).toISOString(),
    reminded_at: new Date(row.created_at).toISOString(),
  };
}
