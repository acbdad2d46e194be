import {
  discrepancyClasses,
  type Pricing,
  type ReconciliationClass,
  type ReconciliationItem,
  reconciliationClasses,
  startOfDay,
  type UsageDimension,
  type UsageFigures,
  type UsageReport,
} from '@wabridge/shared';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { afterPosition, decodeCursor, toPage } from '../storage/pagination.js';
import type { Schema } from '../storage/schema.js';

/*
 * Spending per period and its reconciliation with Meta. Both read one account's charges sent in a period
 * (message_charges_account_period_idx: account_id, created_at, message_id) with their message (primary key),
 * the installation that sent it (primary key) and Meta's latest word on their billing (message_billing_reports,
 * primary key). Aggregation happens in the database; only the groups come back.
 */

/** Meta's statuses in the order they go, so that of two reports with the same timestamp the further one wins. */
const statusRank = (column: string) =>
  sql`coalesce(array_position(array['sent', 'delivered', 'read', 'played', 'failed'], ${sql.ref(column)}), 0)`;

/**
 * Keeps Meta's word on a metered message's billing, in the transaction that settles it: the latest report by
 * Meta's timestamp (then by status), so duplicated and reordered webhooks leave the same row. A message without
 * a charge (its account is not metered) records nothing.
 */
export async function recordBillingReport(
  transaction: Transaction<Schema>,
  messageId: string,
  report: { status: string; timestamp: Date; pricing: Pricing | null; billable: boolean },
): Promise<void> {
  const { pricing } = report;
  await sql`
    insert into message_billing_reports (message_id, billable, pricing_model, pricing_type, category, status, reported_at)
    select message_id, cast(${report.billable} as boolean), cast(${pricing?.pricingModel ?? null} as text),
      cast(${pricing?.type ?? null} as text), cast(${pricing?.category.toLowerCase() ?? null} as text),
      cast(${report.status} as text), cast(${report.timestamp} as timestamptz)
    from message_charges where message_id = ${messageId}
    on conflict (message_id) do update set
      billable = excluded.billable, pricing_model = excluded.pricing_model, pricing_type = excluded.pricing_type,
      category = excluded.category, status = excluded.status, reported_at = excluded.reported_at, updated_at = now()
    where (excluded.reported_at, ${statusRank('excluded.status')})
      > (message_billing_reports.reported_at, ${statusRank('message_billing_reports.status')})`.execute(transaction);
}

export interface Period {
  from: Date;
  to: Date;
  timeZone: string;
}

/** A year, leap day included: long enough for any annual report, short enough to bound the work of one request. */
const periodDaysMax = 366;
const dayMs = 24 * 60 * 60 * 1000;

/** The instants of a period's bounds: a date is its first instant in the time zone. */
export function resolvePeriod(query: { from: string; to: string; timezone: string }): Period {
  const instant = (bound: string) => (/^\d{4}-\d{2}-\d{2}$/.test(bound) ? startOfDay(bound, query.timezone) : new Date(bound));
  const from = instant(query.from);
  const to = instant(query.to);
  const extensions = { from: from.toISOString(), to: to.toISOString() };
  if (from.getTime() >= to.getTime()) {
    throw new DomainError('invalid_period', `from (${extensions.from}) must come before to (${extensions.to}).`, extensions);
  }
  if (to.getTime() - from.getTime() > periodDaysMax * dayMs) {
    throw new DomainError(
      'invalid_period',
      `The period spans ${Math.ceil((to.getTime() - from.getTime()) / dayMs)} days; at most ${periodDaysMax} are allowed.`,
      extensions,
    );
  }
  return { from, to, timeZone: query.timezone };
}

/** The account's charges sent in the period, with their message and the installation that sent it. */
function chargesIn(db: Kysely<Schema>, accountId: string, period: Period) {
  return db
    .selectFrom('message_charges as c')
    .innerJoin('messages as m', 'm.id', 'c.message_id')
    .leftJoin('installations as i', 'i.id', 'm.installation_id')
    .where('c.account_id', '=', accountId)
    .where('c.created_at', '>=', period.from)
    .where('c.created_at', '<', period.to);
}

const emptyFigures = (): UsageFigures => ({
  messages: 0,
  paid_messages: 0,
  points_captured: 0,
  points_uncollected: 0,
  held_messages: 0,
  points_held: 0,
  released_messages: 0,
  expired_messages: 0,
  free_messages: 0,
  free_messages_by_reason: {},
});

function addFigures(sum: UsageFigures, figures: UsageFigures): void {
  for (const name of Object.keys(figures) as (keyof UsageFigures)[]) {
    if (name !== 'free_messages_by_reason') sum[name] += figures[name];
  }
  for (const [reason, count] of Object.entries(figures.free_messages_by_reason)) {
    sum.free_messages_by_reason[reason] = (sum.free_messages_by_reason[reason] ?? 0) + count;
  }
}

/**
 * Spending in the period, grouped by the chosen dimensions. Dimensions not chosen are selected as null, so
 * the outer query always groups by the same columns (and by the free reason, folded into each group here).
 */
export async function usageReport(
  db: Kysely<Schema>,
  accountId: string,
  period: Period,
  groupBy: UsageDimension[],
): Promise<Pick<UsageReport, 'groups' | 'totals'>> {
  const chosen = (dimension: UsageDimension) => groupBy.includes(dimension);
  const ifChosen = <T>(dimension: UsageDimension, expression: RawBuilder<T>): RawBuilder<T | null> =>
    chosen(dimension) ? expression : sql<null>`cast(null as text)`;
  const charges = chargesIn(db, accountId, period).select([
    ifChosen('day', sql<string>`to_char(c.created_at at time zone ${period.timeZone}, 'YYYY-MM-DD')`).as('day'),
    // The category the points were captured at (Meta's, when it billed another): what the ledger shows.
    ifChosen(
      'category',
      sql<string>`case when c.state = 'captured' then coalesce(c.meta_category, c.category) else c.category end`,
    ).as('category'),
    ifChosen('market', sql<string>`c.market`).as('market'),
    ifChosen('deployment', sql<string>`m.deployment_id`).as('deployment_id'),
    ifChosen('helpdesk', sql<'zendesk' | 'zoho' | null>`coalesce(i.helpdesk, m.ticket_helpdesk)`).as('helpdesk'),
    sql<string | null>`case when c.state = 'free' then c.free_reason end`.as('free_reason'),
    'c.state',
    'c.points',
    'c.captured_points',
    'c.uncollected_points',
  ]);
  const keyColumns = ['day', 'category', 'market', 'deployment_id', 'helpdesk', 'free_reason'] as const;
  const rows = await db
    .selectFrom(charges.as('u'))
    .select(keyColumns)
    .select([
      sql<string>`count(*)`.as('messages'),
      sql<string>`count(*) filter (where state = 'captured')`.as('paid_messages'),
      sql<string>`coalesce(sum(captured_points) filter (where state = 'captured'), 0)`.as('points_captured'),
      sql<string>`coalesce(sum(uncollected_points) filter (where state = 'captured'), 0)`.as('points_uncollected'),
      sql<string>`count(*) filter (where state = 'held')`.as('held_messages'),
      sql<string>`coalesce(sum(points) filter (where state = 'held'), 0)`.as('points_held'),
      sql<string>`count(*) filter (where state = 'released')`.as('released_messages'),
      sql<string>`count(*) filter (where state = 'expired')`.as('expired_messages'),
      sql<string>`count(*) filter (where state = 'free')`.as('free_messages'),
    ])
    .groupBy([...keyColumns])
    .orderBy('day')
    .orderBy('category')
    .orderBy('market')
    .orderBy('deployment_id')
    .orderBy('helpdesk')
    .orderBy('free_reason')
    .execute();

  const groups = new Map<string, UsageReport['groups'][number]>();
  const totals = emptyFigures();
  for (const row of rows) {
    const key: UsageReport['groups'][number]['key'] = {};
    if (chosen('day')) key.day = row.day ?? undefined;
    if (chosen('category')) key.category = row.category ?? undefined;
    if (chosen('market')) key.market = row.market ?? undefined;
    if (chosen('deployment')) key.deployment_id = row.deployment_id ?? undefined;
    if (chosen('helpdesk')) key.helpdesk = row.helpdesk;
    const figures: UsageFigures = {
      messages: Number(row.messages),
      paid_messages: Number(row.paid_messages),
      points_captured: Number(row.points_captured),
      points_uncollected: Number(row.points_uncollected),
      held_messages: Number(row.held_messages),
      points_held: Number(row.points_held),
      released_messages: Number(row.released_messages),
      expired_messages: Number(row.expired_messages),
      free_messages: Number(row.free_messages),
      free_messages_by_reason: row.free_reason === null ? {} : { [row.free_reason]: Number(row.free_messages) },
    };
    const name = JSON.stringify(key);
    let group = groups.get(name);
    if (group === undefined) {
      group = { key, ...emptyFigures() };
      groups.set(name, group);
    }
    addFigures(group, figures);
    addFigures(totals, figures);
  }
  return { groups: [...groups.values()], totals };
}

/**
 * How a charge compares with Meta's word, the first that applies (the contract lists the classes in this order).
 * A hold is given an hour to be priced: Meta's statuses come within seconds, so an older unpriced one is lost.
 */
const outcome = sql<ReconciliationClass>`case
  when r.billable and c.state <> 'captured' then 'billable_not_captured'
  when c.state = 'captured' and not r.billable then 'captured_not_billable'
  when c.state = 'captured' and c.category_mismatch then 'category_mismatch'
  when c.state = 'captured' and c.uncollected_points > 0 then 'uncollected'
  when c.state = 'expired' and r.message_id is null then 'held_without_pricing'
  when c.state = 'held' and c.created_at < now() - interval '1 hour' then 'held_without_pricing'
  when c.state = 'held' or (c.state = 'free' and r.message_id is null) then 'awaiting_meta'
  else 'matched'
end`;

function classifiedCharges(db: Kysely<Schema>, accountId: string, period: Period) {
  return chargesIn(db, accountId, period)
    .leftJoin('message_billing_reports as r', 'r.message_id', 'c.message_id')
    .select([
      'c.message_id as id',
      'c.created_at',
      'm.deployment_id',
      'm.ticket_helpdesk',
      'm.ticket_id',
      'c.state',
      'c.category',
      'c.market',
      'c.points',
      'c.captured_points',
      'c.uncollected_points',
      'c.free_reason',
      'c.meta_category as captured_category',
      'r.billable',
      'r.pricing_model',
      'r.pricing_type',
      'r.category as meta_category',
      'r.status as meta_status',
      'r.reported_at',
      outcome.as('outcome'),
    ]);
}

/** Counts and points per class: every class, even when empty. */
async function reconciliationSummary(db: Kysely<Schema>, accountId: string, period: Period) {
  const rows = await db
    .selectFrom(classifiedCharges(db, accountId, period).as('x'))
    .select([
      'outcome',
      sql<string>`count(*)`.as('messages'),
      sql<string>`coalesce(sum(case
        when outcome = 'uncollected' then uncollected_points
        when outcome in ('matched', 'captured_not_billable', 'category_mismatch') then coalesce(captured_points, 0)
        else points
      end), 0)`.as('points'),
    ])
    .groupBy('outcome')
    .execute();
  const summary = Object.fromEntries(reconciliationClasses.map((name) => [name, { messages: 0, points: 0 }])) as Record<
    ReconciliationClass,
    { messages: number; points: number }
  >;
  for (const row of rows) summary[row.outcome] = { messages: Number(row.messages), points: Number(row.points) };
  return summary;
}

type ClassifiedRow = Awaited<ReturnType<ReturnType<typeof classifiedCharges>['execute']>>[number];

function presentItem(row: ClassifiedRow): ReconciliationItem {
  return {
    class: row.outcome as ReconciliationItem['class'],
    message_id: row.id,
    deployment_id: row.deployment_id,
    ticket: row.ticket_helpdesk === null || row.ticket_id === null ? null : { helpdesk: row.ticket_helpdesk, id: row.ticket_id },
    sent_at: row.created_at.toISOString(),
    charge: {
      state: row.state,
      category: row.category,
      market: row.market,
      points: Number(row.points),
      captured_points: row.captured_points === null ? null : Number(row.captured_points),
      uncollected_points: Number(row.uncollected_points),
      free_reason: row.free_reason,
      captured_category: row.state === 'captured' ? row.captured_category : null,
    },
    meta:
      row.billable === null || row.meta_status === null || row.reported_at === null
        ? null
        : {
            billable: row.billable,
            pricing_model: row.pricing_model,
            type: row.pricing_type,
            category: row.meta_category,
            status: row.meta_status,
            reported_at: row.reported_at.toISOString(),
          },
  };
}

/** The summary of the period, and a page of its discrepancies (of one class, or all), oldest send first. */
export async function reconciliationReport(
  db: Kysely<Schema>,
  accountId: string,
  period: Period,
  page: { limit: number; cursor: string | undefined; only: ReconciliationClass | undefined },
) {
  const after = decodeCursor(page.cursor);
  let query = db
    .selectFrom(classifiedCharges(db, accountId, period).as('x'))
    .selectAll()
    .where('outcome', 'in', page.only === undefined ? [...discrepancyClasses] : [page.only]);
  if (after !== undefined) query = query.where(afterPosition('x', after));
  const rows = await query
    .orderBy('created_at')
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const { data, next_cursor } = toPage(rows, page.limit, presentItem);
  return { summary: await reconciliationSummary(db, accountId, period), discrepancies: data, next_cursor };
}
