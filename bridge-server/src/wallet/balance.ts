import type { Wallet } from '@wabridge/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';

/*
 * The points wallet. Every change is a ledger entry (wallet_entries) written in the caller's transaction; a
 * trigger adds each entry to the account's wallet row, whose CHECK keeps the available balance (balance −
 * reserved) from going negative. Holds lock that row first (SELECT … FOR UPDATE), so concurrent sends of one
 * account, from any number of bridge processes, take turns and each sees the balance the previous one left.
 */

/** Locks the account's wallet row (creating it empty) for the rest of the transaction. */
export async function lockWallet(transaction: Transaction<Schema>, accountId: string): Promise<Wallet> {
  await sql`insert into wallets (account_id) values (${accountId}) on conflict (account_id) do nothing`.execute(transaction);
  const row = await transaction
    .selectFrom('wallets')
    .select(['balance_points', 'reserved_points'])
    .where('account_id', '=', accountId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return presentWallet(row);
}

function presentWallet(row: { balance_points: number; reserved_points: number }): Wallet {
  const balance = Number(row.balance_points);
  const reserved = Number(row.reserved_points);
  return { balance, reserved, available: balance - reserved, unit: 'point' };
}

export async function walletOf(db: Kysely<Schema>, accountId: string): Promise<Wallet> {
  const row = await db
    .selectFrom('wallets')
    .select(['balance_points', 'reserved_points'])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return presentWallet(row ?? { balance_points: 0, reserved_points: 0 });
}
