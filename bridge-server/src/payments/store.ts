import type { Payment } from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { jobKinds } from '../jobs/kinds.js';
import { databaseNowPlus, enqueueJob } from '../jobs/store.js';
import type { Schema } from '../storage/schema.js';
import { type PurchaseRow, presentPurchase } from '../wallet/store.js';

type Database = Kysely<Schema> | Transaction<Schema>;
export type PaymentRow = Selectable<Schema['payments']>;

/** PostgreSQL's unique_violation, with the index that refused the row. */
export function uniqueViolationOf(error: unknown): string | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' ? (constraint ?? '') : undefined;
}

/** The dedupe key of a payment's one check job: enqueueing it twice makes one job. */
export function paymentCheckKey(paymentId: string): string {
  return `${jobKinds.paymentCheck}:${paymentId}`;
}

/**
 * Records a payment (pending) and, in the same transaction, its check: a `payment_check` job due after
 * `firstCheckAfterMs` (database clock), which asks the provider about the payment until it is settled. A process
 * that dies right after this commit leaves a payment that the check settles; never one nobody asks about.
 */
export async function insertPayment(
  db: Database,
  values: Omit<
    Schema['payments'],
    'state' | 'created_at' | 'settled_at' | 'provider_reference' | 'purchase_id' | 'failure_code' | 'failure_message'
  >,
  firstCheckAfterMs: number,
): Promise<PaymentRow> {
  const record = async (transaction: Database) => {
    const row = await transaction.insertInto('payments').values(values).returningAll().executeTakeFirstOrThrow();
    await enqueueJob(transaction, {
      kind: jobKinds.paymentCheck,
      accountId: row.account_id,
      payload: { payment_id: row.id },
      dedupeKey: paymentCheckKey(row.id),
      attemptsMax: paymentCheckAttemptsMax,
      delayMs: firstCheckAfterMs,
    });
    return row;
  };
  return db.isTransaction ? record(db) : (db as Kysely<Schema>).transaction().execute(record);
}

/**
 * A pending payment is asked about for as long as the jobs table allows (checks back off to an hour apart: about
 * six weeks); then its check is dead, for an administrator to see in GET /v1/jobs and replay.
 */
export const paymentCheckAttemptsMax = 1000;

/** Moves a payment's check to `afterMs` from now (database clock), unless an attempt holds it now. */
export async function rescheduleCheck(db: Database, paymentId: string, afterMs: number): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ next_attempt_at: databaseNowPlus(afterMs), updated_at: sql<Date>`now()` })
    .where('dedupe_key', '=', paymentCheckKey(paymentId))
    .where('status', '=', 'queued')
    .execute();
}

export async function findPaymentByRequestKey(db: Database, accountId: string, requestKey: string) {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('request_key', '=', requestKey)
    .executeTakeFirst();
}

/** Locks the payment row for the rest of the transaction: settlements of one payment take turns. */
export async function lockPayment(transaction: Transaction<Schema>, paymentId: string): Promise<PaymentRow> {
  return transaction.selectFrom('payments').selectAll().where('id', '=', paymentId).forUpdate().executeTakeFirstOrThrow();
}

export function presentPayment(row: PaymentRow, purchase: PurchaseRow | undefined, nextCheckAt: Date | undefined): Payment {
  return {
    id: row.id,
    account_id: row.account_id,
    origin: row.origin,
    state: row.state,
    points: Number(row.points),
    amount: Number(row.amount_minor),
    currency: row.currency,
    payment_method: row.payment_method,
    provider: row.provider,
    provider_reference: row.provider_reference,
    failure: row.failure_code === null ? null : { code: row.failure_code, message: row.failure_message ?? row.failure_code },
    purchase: purchase === undefined ? null : presentPurchase(purchase),
    created_at: row.created_at.toISOString(),
    settled_at: row.settled_at?.toISOString() ?? null,
    next_check_at: row.state === 'pending' ? (nextCheckAt?.toISOString() ?? null) : null,
  };
}

/** The payments with the purchases they bought, and, while pending, when their check next asks the provider. */
export async function presentPayments(db: Database, rows: PaymentRow[]): Promise<Payment[]> {
  const purchaseIds = rows.flatMap((row) => (row.purchase_id === null ? [] : [row.purchase_id]));
  const purchases =
    purchaseIds.length === 0 ? [] : await db.selectFrom('purchases').selectAll().where('id', 'in', purchaseIds).execute();
  const byId = new Map(purchases.map((purchase) => [String(purchase.id), purchase]));
  const checkKeys = rows.flatMap((row) => (row.state === 'pending' ? [paymentCheckKey(row.id)] : []));
  const checks =
    checkKeys.length === 0
      ? []
      : await db
          .selectFrom('jobs')
          .select(['dedupe_key', 'next_attempt_at', 'lease_until'])
          .where('dedupe_key', 'in', checkKeys)
          .where('status', 'in', ['queued', 'running'])
          .execute();
  // A check running now asks again at the latest when its lease runs out.
  const nextCheck = new Map(checks.map((check) => [check.dedupe_key, check.lease_until ?? check.next_attempt_at]));
  return rows.map((row) =>
    presentPayment(
      row,
      row.purchase_id === null ? undefined : byId.get(String(row.purchase_id)),
      nextCheck.get(paymentCheckKey(row.id)),
    ),
  );
}

export async function findPayment(db: Database, paymentId: string): Promise<Payment> {
  const row = await db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  const [payment] = await presentPayments(db, [row]);
  return payment as Payment;
}

/** A page of the account's payments, newest first; the cursor is the last one's (created_at, id). */
export async function paymentsPage(
  db: Kysely<Schema>,
  accountId: string,
  limit: number,
  after: { createdAt: Date; id: string } | undefined,
) {
  let query = db.selectFrom('payments').selectAll().where('account_id', '=', accountId);
  if (after !== undefined) query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** The account's latest auto-recharge payment, if any. */
export async function lastAutoRecharge(db: Database, accountId: string): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('origin', '=', 'auto_recharge')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Auto-recharges started in the last 30 days that charged or may still charge (failed ones bought nothing). */
export async function autoRechargesInLast30Days(db: Database, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('account_id', '=', accountId)
    .where('origin', '=', 'auto_recharge')
    .where('state', '<>', 'failed')
    .where('created_at', '>', sql<Date>`now() - interval '30 days'`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
