import type { Payment } from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';
import { type PurchaseRow, presentPurchase } from '../wallet/store.js';

type Database = Kysely<Schema> | Transaction<Schema>;
export type PaymentRow = Selectable<Schema['payments']>;

/** PostgreSQL's unique_violation, with the index that refused the row. */
export function uniqueViolationOf(error: unknown): string | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' ? (constraint ?? '') : undefined;
}

export async function insertPayment(
  db: Database,
  values: Omit<
    Schema['payments'],
    'state' | 'checks' | 'created_at' | 'settled_at' | 'provider_reference' | 'purchase_id' | 'failure_code' | 'failure_message'
  >,
): Promise<PaymentRow> {
  return db.insertInto('payments').values(values).returningAll().executeTakeFirstOrThrow();
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

/** Takes one pending payment due for a check, and pushes its next check past this attempt (FOR UPDATE SKIP LOCKED). */
export async function claimDuePayment(db: Kysely<Schema>, leaseMs: number): Promise<PaymentRow | undefined> {
  return db.transaction().execute(async (transaction) => {
    const row = await transaction
      .selectFrom('payments')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_check_at', '<=', new Date())
      .orderBy('next_check_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return transaction
      .updateTable('payments')
      .set({ checks: sql<number>`checks + 1`, next_check_at: new Date(Date.now() + leaseMs) })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export function presentPayment(row: PaymentRow, purchase: PurchaseRow | undefined): Payment {
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
    next_check_at: row.state === 'pending' ? row.next_check_at.toISOString() : null,
  };
}

/** The payments with the purchases they bought. */
export async function presentPayments(db: Database, rows: PaymentRow[]): Promise<Payment[]> {
  const purchaseIds = rows.flatMap((row) => (row.purchase_id === null ? [] : [row.purchase_id]));
  const purchases =
    purchaseIds.length === 0 ? [] : await db.selectFrom('purchases').selectAll().where('id', 'in', purchaseIds).execute();
  const byId = new Map(purchases.map((purchase) => [String(purchase.id), purchase]));
  return rows.map((row) => presentPayment(row, row.purchase_id === null ? undefined : byId.get(String(row.purchase_id))));
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
