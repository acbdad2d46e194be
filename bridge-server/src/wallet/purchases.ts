import { type PurchaseReceiptResponse, purchaseReceipt } from '@wabridge/shared';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { loadPricingSettings } from './settings.js';

export type PurchaseRow = Selectable<Schema['purchases']>;

export function presentPurchase(row: PurchaseRow): PurchaseReceiptResponse {
  return {
    account_id: row.account_id,
    payment_reference: row.payment_reference,
    points: Number(row.points),
    unit_price: Number(row.unit_price_minor),
    subtotal: Number(row.subtotal_minor),
    fee: Number(row.fee_minor),
    tax: Number(row.tax_minor),
    total: Number(row.total_minor),
    currency: row.currency,
    created_at: row.created_at.toISOString(),
  };
}

export interface PurchaseRequest {
  accountId: string;
  points: number;
  paymentReference: string;
}

/**
 * Records points bought, in one transaction with its ledger entry. A payment reference counts once (unique):
 * asked again for the same account and points it answers the first receipt; for anything else it is refused.
 */
export async function recordPurchase(db: Kysely<Schema>, request: PurchaseRequest): Promise<PurchaseReceiptResponse> {
  return db.transaction().execute((transaction) => recordPurchaseIn(transaction, request));
}

/** recordPurchase inside the caller's transaction (a payment settles in the one that records its purchase). */
export async function recordPurchaseIn(
  transaction: Transaction<Schema>,
  request: PurchaseRequest,
): Promise<PurchaseReceiptResponse> {
  const settings = await loadPricingSettings(transaction, request.accountId);
  if (settings === undefined) {
    const account = await transaction.selectFrom('accounts').select('id').where('id', '=', request.accountId).executeTakeFirst();
    if (account === undefined) throw new DomainError('unknown_account', `No account ${request.accountId}.`);
    throw new DomainError(
      'pricing_not_configured',
      `Account ${request.accountId} has no point prices: PUT /v1/wallet/settings first.`,
    );
  }
  const receipt = purchaseReceipt({ points: request.points, settings });
  const inserted = await transaction
    .insertInto('purchases')
    .values({
      account_id: request.accountId,
      payment_reference: request.paymentReference,
      points: receipt.points,
      unit_price_minor: receipt.unit_price,
      subtotal_minor: receipt.subtotal,
      fee_minor: receipt.fee,
      tax_minor: receipt.tax,
      total_minor: receipt.total,
      currency: receipt.currency,
    })
    .onConflict((conflict) => conflict.column('payment_reference').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted === undefined) {
    // Counted before (perhaps by a concurrent request, whose transaction has committed: the conflict waited for it).
    const first = await transaction
      .selectFrom('purchases')
      .selectAll()
      .where('payment_reference', '=', request.paymentReference)
      .executeTakeFirstOrThrow();
    if (first.account_id !== request.accountId || Number(first.points) !== request.points) {
      throw new DomainError(
        'payment_reference_reused',
        `Payment reference ${request.paymentReference} already bought ${first.points} points for ${first.account_id}.`,
      );
    }
    return presentPurchase(first);
  }
  await transaction
    .insertInto('wallet_entries')
    .values({
      account_id: request.accountId,
      kind: 'purchase',
      balance_delta_points: receipt.points,
      reserved_delta_points: 0,
      payment_reference: request.paymentReference,
      reason: `purchase of ${receipt.points} points: ${receipt.total} ${receipt.currency} (minor units)`,
    })
    .execute();
  return presentPurchase(inserted);
}
