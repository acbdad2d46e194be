import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { lockWallet } from './balance.js';
import type { WalletEntryRow } from './ledger.js';

export interface AdjustmentRequest {
  accountId: string;
  /** Positive credits the balance, negative debits it. */
  points: number;
  reason: string;
  reference: string;
}

/**
 * Records an administrator's credit or debit, once per reference (unique): asked again with the same account, points
 * and reason it answers the first entry; with anything else it is refused. A debit never takes more than the
 * available balance (points held for messages in flight stay theirs).
 */
export async function recordAdjustment(db: Kysely<Schema>, request: AdjustmentRequest): Promise<WalletEntryRow> {
  return db.transaction().execute(async (transaction) => {
    const account = await transaction.selectFrom('accounts').select('id').where('id', '=', request.accountId).executeTakeFirst();
    if (account === undefined) throw new DomainError('unknown_account', `No account ${request.accountId}.`);
    // The wallet lock serialises this account's adjustments: a replay waits for the first and then sees it.
    const wallet = await lockWallet(transaction, request.accountId);
    const first = await adjustmentByReference(transaction, request.reference);
    if (first !== undefined) return sameAdjustment(first, request);
    if (request.points < 0 && -request.points > wallet.available) {
      throw new DomainError(
        'adjustment_exceeds_available',
        `This debit takes ${-request.points} points; ${wallet.available} are available (${wallet.reserved} are held for messages in flight).`,
        { needed: -request.points, available: wallet.available },
      );
    }
    const inserted = await transaction
      .insertInto('wallet_entries')
      .values({
        account_id: request.accountId,
        kind: 'adjustment',
        balance_delta_points: request.points,
        reserved_delta_points: 0,
        adjustment_reference: request.reference,
        reason: request.reason,
      })
      .onConflict((conflict) => conflict.column('adjustment_reference').doNothing())
      .returningAll()
      .executeTakeFirst();
    // Counted meanwhile for another account (whose wallet lock this one did not wait for): the conflict waited for it.
    return inserted ?? sameAdjustment((await adjustmentByReference(transaction, request.reference))!, request);
  });
}

function adjustmentByReference(transaction: Transaction<Schema>, reference: string) {
  return transaction.selectFrom('wallet_entries').selectAll().where('adjustment_reference', '=', reference).executeTakeFirst();
}

function sameAdjustment(first: WalletEntryRow, request: AdjustmentRequest): WalletEntryRow {
  if (
    first.account_id === request.accountId &&
    Number(first.balance_delta_points) === request.points &&
    first.reason === request.reason
  ) {
    return first;
  }
  throw new DomainError(
    'adjustment_reference_reused',
    `Adjustment reference ${request.reference} already recorded ${first.balance_delta_points} points for ${first.account_id}.`,
  );
}
