import { type Kysely, sql } from 'kysely';
import type { Schema } from '../storage/schema.js';

/** What one audit found: how many accounts it checked, how many disagree with their ledger, and how. */
export interface WalletAudit {
  accountsAudited: number;
  accountsMismatched: number;
  /** One line per broken invariant, naming the account; empty when every wallet agrees with its ledger. */
  problems: string[];
}

/** The discrepancies of `auditWalletAccounts`, none when all hold. */
export async function auditWallets(db: Kysely<Schema>): Promise<string[]> {
  return (await auditWalletAccounts(db)).problems;
}

/**
 * The wallet's invariants, checked against the ledger: for every account, the wallet row equals the sums of
 * its entries, the available balance is not negative, the points reserved equal the held charges, and the
 * hosting fees debited equal those recorded as collected. One statement, so one snapshot: sends and statuses
 * committing meanwhile cannot make a wallet look wrong.
 */
export async function auditWalletAccounts(db: Kysely<Schema>): Promise<WalletAudit> {
  const rows = await sql<{
    account_id: string;
    balance_points: number | null;
    reserved_points: number | null;
    ledger_balance: number | null;
    ledger_reserved: number | null;
    held: number | null;
    hosting_debited: number | null;
    hosting_collected: number | null;
  }>`
    select a.id as account_id, w.balance_points, w.reserved_points,
      (select coalesce(sum(balance_delta_points), 0)::bigint from wallet_entries e where e.account_id = a.id) as ledger_balance,
      (select coalesce(sum(reserved_delta_points), 0)::bigint from wallet_entries e where e.account_id = a.id) as ledger_reserved,
      (select coalesce(sum(points), 0)::bigint from message_charges c where c.account_id = a.id and c.state = 'held') as held,
      (select coalesce(-sum(balance_delta_points), 0)::bigint from wallet_entries e
        where e.account_id = a.id and e.kind = 'hosting_fee') as hosting_debited,
      (select coalesce(sum(collected_points), 0)::bigint from hosting_fee_charges h where h.account_id = a.id) as hosting_collected
    from accounts a left join wallets w on w.account_id = a.id`.execute(db);
  const problems: string[] = [];
  let accountsMismatched = 0;
  for (const row of rows.rows) {
    const found = problems.length;
    const balance = Number(row.balance_points ?? 0);
    const reserved = Number(row.reserved_points ?? 0);
    if (balance !== Number(row.ledger_balance))
      problems.push(`${row.account_id}: balance ${balance} ≠ ledger ${row.ledger_balance}`);
    if (reserved !== Number(row.ledger_reserved)) {
      problems.push(`${row.account_id}: reserved ${reserved} ≠ ledger ${row.ledger_reserved}`);
    }
    if (reserved !== Number(row.held)) problems.push(`${row.account_id}: reserved ${reserved} ≠ held charges ${row.held}`);
    if (balance - reserved < 0) problems.push(`${row.account_id}: available ${balance - reserved} < 0`);
    if (Number(row.hosting_debited) !== Number(row.hosting_collected)) {
      problems.push(`${row.account_id}: hosting fees debited ${row.hosting_debited} ≠ collected ${row.hosting_collected}`);
    }
    if (problems.length > found) accountsMismatched += 1;
  }
  return { accountsAudited: rows.rows.length, accountsMismatched, problems };
}
