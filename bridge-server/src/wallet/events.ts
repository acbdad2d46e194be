import type { WalletEvent, WalletEventKind } from '@wabridge/shared';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';

/*
 * Wallet events: what an account's people should hear about its wallet. low_balance and balance_depleted are
 * written by the database itself (the trigger on wallets, migration 0008), wherever the available balance
 * changes; the payment outcomes are recorded here by the payment code. Either way a trigger on wallet_events
 * queues the event for the account's webhook in the same transaction, so an event and its delivery commit or
 * roll back together.
 */

/** Records an event in the caller's transaction (and, through the trigger, queues its webhook delivery). */
export async function recordWalletEvent(
  db: Kysely<Schema> | Transaction<Schema>,
  event: { accountId: string; kind: WalletEventKind; data?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('wallet_events')
    .values({ account_id: event.accountId, kind: event.kind, data: JSON.stringify(event.data ?? {}) })
    .execute();
}

export type WalletEventRow = Selectable<Schema['wallet_events']>;

/** An event as the apps read it and the webhook sends it. */
export function presentWalletEvent(row: WalletEventRow): WalletEvent {
  return {
    id: String(row.id),
    type: row.kind,
    account_id: row.account_id,
    created_at: row.created_at.toISOString(),
    data: row.data as Record<string, unknown>,
  };
}

/** A page of the account's events, newest first; the cursor is the last event's id (the page goes below it). */
export async function walletEventsPage(
  db: Kysely<Schema>,
  accountId: string,
  query: { limit: number; beforeId: number | undefined; kinds: WalletEventKind[] | undefined },
): Promise<{ rows: WalletEventRow[]; more: boolean }> {
  let select = db.selectFrom('wallet_events').selectAll().where('account_id', '=', accountId);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  if (query.kinds !== undefined) select = select.where('kind', 'in', query.kinds);
  const rows = await select
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return { rows: rows.slice(0, query.limit), more: rows.length > query.limit };
}

/**
 * The payment problem the account has not resolved: its latest payment_failed or auto_recharge_paused event, unless a
 * payment_succeeded came after it.
 */
export async function unresolvedPaymentProblem(db: Kysely<Schema>, accountId: string): Promise<WalletEventRow | undefined> {
  const latest = await db
    .selectFrom('wallet_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('kind', 'in', ['payment_failed', 'auto_recharge_paused', 'payment_succeeded'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return latest?.kind === 'payment_succeeded' ? undefined : latest;
}
