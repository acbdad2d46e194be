import type { Expression, Kysely } from 'kysely';
import type { Schema } from '../storage/schema.js';

/** The webhook fields a number's health is read from (Meta's webhooks reference names them so). */
export const healthEventFields = ['account_update', 'phone_number_quality_update', 'phone_number_name_update'] as const;

/** How many of the latest health events are folded; account and quality changes come a few a month. */
const healthEventsMax = 200;

export interface HealthEventRow {
  field: string;
  payload: unknown;
  at: Date;
}

/**
 * The deployment's latest `account_update` webhooks, newest first, with the time each arrived: all that says whether the
 * number can send at all (numbers/health.ts accountStandingOf). A sub-select of the panel's status read and of the
 * send's deployment read, so it is bounded like the health read: account updates come a few a month.
 */
export function latestAccountEventsQuery(db: Kysely<Schema>, deploymentId: string | Expression<string>) {
  return (
    db
      .selectFrom('deployment_events')
      .innerJoin('webhook_events', 'webhook_events.id', 'deployment_events.webhook_event_id')
      .select(['deployment_events.field', 'deployment_events.payload', 'webhook_events.received_at as at'])
      // By kind, so that deployment_events_kind_idx (deployment_id, kind, id) reads exactly these rows, newest first; an
      // account_update Meta sent malformed is stored under another kind and says nothing of the account anyway.
      .where('deployment_events.deployment_id', '=', deploymentId)
      .where('deployment_events.kind', '=', 'account_update')
      .where('deployment_events.field', '=', 'account_update')
      .orderBy('deployment_events.id', 'desc')
      .limit(healthEventsMax)
  );
}

/** The rows of `latestAccountEventsQuery` read back from JSON (instants are text there), oldest first as folded. */
export function accountEventRowsOf(
  rows: readonly { field: string | null; payload: unknown; at: Date | string }[],
): HealthEventRow[] {
  return rows.map((row) => ({ field: row.field ?? '', payload: row.payload, at: new Date(row.at) })).reverse();
}

/**
 * What the bridge itself knows of a deployment's number: Meta's account, quality and name webhooks (oldest first,
 * with the time the webhook arrived), the last webhook of any kind, the synced templates by status, and the
 * account's helpdesk deliveries that failed for good (dead jobs).
 */
export async function readStoredHealth(db: Kysely<Schema>, deploymentId: string, accountId: string) {
  const [events, lastWebhook, templates, dead] = await Promise.all([
    db
      .selectFrom('deployment_events')
      .innerJoin('webhook_events', 'webhook_events.id', 'deployment_events.webhook_event_id')
      .select(['deployment_events.field', 'deployment_events.payload', 'webhook_events.received_at as at'])
      .where('deployment_events.deployment_id', '=', deploymentId)
      .where('deployment_events.field', 'in', [...healthEventFields])
      .orderBy('deployment_events.id', 'desc')
      .limit(healthEventsMax)
      .execute(),
    db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.max('received_at').as('at'))
      .where('deployment_id', '=', deploymentId)
      .executeTakeFirst(),
    db
      .selectFrom('templates')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('deployment_id', '=', deploymentId)
      .where('removed_at', 'is', null)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('account_id', '=', accountId)
      .where('status', '=', 'dead')
      .executeTakeFirst(),
  ]);
  return {
    events: events.reverse().map((row): HealthEventRow => ({ field: row.field ?? '', payload: row.payload, at: row.at })),
    lastWebhookAt: lastWebhook?.at == null ? null : new Date(lastWebhook.at),
    templatesByStatus: Object.fromEntries(templates.map((row) => [row.status, Number(row.count)])),
    deadDeliveries: Number(dead?.count ?? 0),
  };
}

export type StoredHealth = Awaited<ReturnType<typeof readStoredHealth>>;
