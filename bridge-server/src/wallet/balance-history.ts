import type { BalanceHistory } from '@wabridge/shared';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../storage/schema.js';
import type { Period } from './usage.js';

/** One change shown, or a single row of nulls with the base when the period has none. */
type Row = {
  id: string;
  kind: BalanceHistory['changes'][number]['kind'] | null;
  created_at: Date | null;
  balance_delta_points: string | null;
  reserved_delta_points: string | null;
  base_balance: string;
  base_reserved: string;
  truncated: boolean;
};

/**
 * The wallet after each ledger entry of the period: the latest `limit` entries, and the wallet before the first of
 * them summed from every earlier entry of the account (not assumed empty), in one statement so both describe one
 * snapshot. Entries are walked in the ledger's order (id), as the wallet's trigger applied them.
 */
export async function balanceHistory(
  db: Kysely<Schema>,
  accountId: string,
  period: Period,
  limit: number,
): Promise<Omit<BalanceHistory, 'account_id' | 'from' | 'to'>> {
  const { rows } = await sql<Row>`
    with page as (
      select id, kind, created_at, balance_delta_points, reserved_delta_points from wallet_entries
      where account_id = ${accountId} and created_at >= ${period.from} and created_at < ${period.to}
      order by id desc limit ${limit + 1}
    ),
    shown as (select * from page order by id desc limit ${limit}),
    -- Everything before the first change shown: before the period, or before the changes left out.
    first_shown as (
      select coalesce(
        (select min(id) from shown),
        (select coalesce(max(id), 0) + 1 from wallet_entries where account_id = ${accountId} and created_at < ${period.from})
      ) as id
    ),
    base as (
      select coalesce(sum(balance_delta_points), 0) as base_balance, coalesce(sum(reserved_delta_points), 0) as base_reserved
      from wallet_entries where account_id = ${accountId} and id < (select id from first_shown)
    )
    select cast(coalesce(shown.id, 0) as text) as id, shown.kind, shown.created_at, shown.balance_delta_points,
      shown.reserved_delta_points, base.base_balance, base.base_reserved,
      (select count(*) from page) > ${limit} as truncated
    from base left join shown on true
    order by shown.id`.execute(db);
  const first = rows[0];
  let balance = Number(first?.base_balance ?? 0);
  let reserved = Number(first?.base_reserved ?? 0);
  const opening = { balance, reserved, available: balance - reserved };
  const changes: BalanceHistory['changes'] = [];
  for (const row of rows) {
    if (row.kind === null || row.created_at === null) continue;
    balance += Number(row.balance_delta_points);
    reserved += Number(row.reserved_delta_points);
    changes.push({
      entry_id: row.id,
      kind: row.kind,
      at: row.created_at.toISOString(),
      balance,
      reserved,
      available: balance - reserved,
    });
  }
  return { opening, changes, truncated: first?.truncated === true };
}
