import {
  type AccountPricingSettings,
  accountPricingSettingsSchema,
  type PricingQuote,
  type PurchaseReceiptResponse,
  purchaseReceipt,
  type Wallet,
} from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { priceAtCategory } from '../pricing/quote.js';
import type { Schema } from '../storage/schema.js';

/*
 * The points wallet. Every change is a ledger entry (wallet_entries) written in the caller's transaction; a
 * trigger adds each entry to the account's wallet row, whose CHECK keeps the available balance (balance −
 * reserved) from going negative. Holds lock that row first (SELECT … FOR UPDATE), so concurrent sends of one
 * account, from any number of bridge processes, take turns and each sees the balance the previous one left.
 */

export type ChargeRow = Selectable<Schema['message_charges']>;

/** The account's point prices; undefined when none are set (the account is not metered). */
export async function loadPricingSettings(
  db: Kysely<Schema> | Transaction<Schema>,
  accountId: string,
): Promise<AccountPricingSettings | undefined> {
  const row = await db.selectFrom('account_pricing_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (row === undefined) return undefined;
  return accountPricingSettingsSchema.parse({
    currency: row.currency,
    pointPriceMinor: row.point_price_minor,
    quantityPrices: row.quantity_prices,
    feePercentBasisPoints: row.fee_percent_basis_points,
    taxRateBasisPoints: row.tax_rate_basis_points,
    pointValueMicroUsd: row.point_value_micro_usd,
  });
}

export async function savePricingSettings(
  db: Kysely<Schema>,
  accountId: string,
  settings: AccountPricingSettings,
): Promise<void> {
  const values = {
    currency: settings.currency,
    point_price_minor: settings.pointPriceMinor,
    quantity_prices: JSON.stringify(settings.quantityPrices),
    fee_percent_basis_points: settings.feePercentBasisPoints,
    tax_rate_basis_points: settings.taxRateBasisPoints,
    point_value_micro_usd: settings.pointValueMicroUsd,
  };
  await db
    .insertInto('account_pricing_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}

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

export interface HoldContext {
  accountId: string;
  messageId: string;
  deploymentId: string;
  installationId: string | null;
  ticket: { helpdesk: 'zendesk' | 'zoho'; id: string } | undefined;
}

const rateColumns = (price: PricingQuote) => ({
  rate_card_id: price.rate_card,
  rule_set_id: price.rule_set,
  category: price.category,
  market: price.market,
  rate_micro_usd: price.rate_micro_usd,
});

/**
 * Reserves the message's points in the transaction that records it: a free message records a free charge;
 * a charged one holds its points, or throws `insufficient_points` (rolling the record back) when the
 * available balance does not cover them.
 */
export async function holdForMessage(transaction: Transaction<Schema>, context: HoldContext, price: PricingQuote): Promise<void> {
  const charge = {
    message_id: context.messageId,
    account_id: context.accountId,
    points: price.points,
    category: price.category,
    market: price.market,
    free_reason: price.free_reason,
    rate_card_id: price.rate_card,
    rule_set_id: price.rule_set,
    rate_micro_usd: price.rate_micro_usd,
  };
  if (price.points === 0) {
    await transaction
      .insertInto('message_charges')
      .values({ ...charge, state: 'free', free_reason: price.free_reason ?? 'customer_service_window' })
      .execute();
    return;
  }
  const wallet = await lockWallet(transaction, context.accountId);
  if (wallet.available < price.points) {
    throw new DomainError(
      'insufficient_points',
      `This message costs ${price.points} points (${price.category}, ${price.market}); ${wallet.available} are available.`,
      { needed: price.points, available: wallet.available, category: price.category, market: price.market },
    );
  }
  await transaction
    .insertInto('wallet_entries')
    .values({
      account_id: context.accountId,
      kind: 'hold',
      balance_delta_points: 0,
      reserved_delta_points: price.points,
      message_id: context.messageId,
      deployment_id: context.deploymentId,
      installation_id: context.installationId,
      ticket_helpdesk: context.ticket?.helpdesk ?? null,
      ticket_id: context.ticket?.id ?? null,
      ...rateColumns(price),
      reason: `hold for a ${price.category} message to the ${price.market} market`,
    })
    .execute();
  await transaction
    .insertInto('message_charges')
    .values({ ...charge, state: 'held' })
    .execute();
}

/** How Meta settled a message: billed (capture at `category`), or not (release). */
export type Settlement =
  | { kind: 'capture'; metaPricingType: string | null; metaCategory: string }
  | { kind: 'release'; reason: string; metaPricingType: string | null; metaCategory: string | null };

/**
 * Captures or releases a message's hold, once: the charge row is locked and only a held charge moves (a free
 * one may still be captured if Meta billed it); the ledger's unique index on the settlement is the backstop.
 * Duplicated and reordered statuses therefore settle nothing twice. An expired charge (its hold already
 * returned, see expireOldestHold) is still settled: billable is captured from the available balance, free or failed
 * only records Meta's verdict, since there is nothing left to return.
 */
export async function settleCharge(transaction: Transaction<Schema>, messageId: string, settlement: Settlement): Promise<void> {
  const charge = await transaction
    .selectFrom('message_charges')
    .selectAll()
    .where('message_id', '=', messageId)
    .forUpdate()
    .executeTakeFirst();
  if (charge === undefined) return;
  if (settlement.kind === 'release') {
    if (charge.state !== 'held' && charge.state !== 'expired') return;
    if (charge.state === 'held') {
      await appendSettlement(transaction, charge, { kind: 'release', balanceDelta: 0, reason: settlement.reason });
    }
    await transaction
      .updateTable('message_charges')
      .set({
        state: 'released',
        meta_pricing_type: settlement.metaPricingType,
        meta_category: settlement.metaCategory,
        settled_at: sql<Date>`now()`,
      })
      .where('message_id', '=', messageId)
      .execute();
    return;
  }
  if (charge.state !== 'held' && charge.state !== 'free' && charge.state !== 'expired') return;
  await capture(transaction, charge, settlement);
}

async function capture(
  transaction: Transaction<Schema>,
  charge: ChargeRow,
  settlement: Extract<Settlement, { kind: 'capture' }>,
): Promise<void> {
  const metaCategory = settlement.metaCategory.toLowerCase();
  const mismatch = metaCategory !== charge.category.toLowerCase();
  let charged = Number(charge.points);
  if (mismatch || charge.state === 'free') {
    // Meta billed another category (or a message we priced free): capture at the reported category's price.
    const settings = await loadPricingSettings(transaction, charge.account_id);
    const message = await transaction
      .selectFrom('messages')
      .select(['recipient_phone', 'created_at'])
      .where('id', '=', charge.message_id)
      .executeTakeFirstOrThrow();
    const price =
      settings === undefined
        ? undefined
        : await priceAtCategory(transaction, {
            accountId: charge.account_id,
            to: message.recipient_phone,
            category: metaCategory,
            at: message.created_at,
            settings,
            pricedWith: { rateCardId: charge.rate_card_id, ruleSetId: charge.rule_set_id },
          });
    if (price !== undefined) charged = price.points;
  }
  const held = Number(charge.points) * (charge.state === 'held' ? 1 : 0);
  const wallet = await lockWallet(transaction, charge.account_id);
  // Never overdraw: what the available balance (with this hold returned) cannot cover is recorded as uncollected.
  const collected = Math.min(charged, wallet.available + held);
  await appendSettlement(transaction, charge, {
    kind: 'capture',
    balanceDelta: -collected,
    heldPoints: held,
    reason: `${
      mismatch
        ? `Meta billed it as ${metaCategory} (we priced ${charge.category}): captured at the ${metaCategory} price`
        : `Meta billed it (${settlement.metaPricingType ?? 'billable'}): captured`
    }${charge.state === 'expired' ? ' from the balance, after its hold had expired' : ''}`,
    category: metaCategory,
  });
  await transaction
    .updateTable('message_charges')
    .set({
      state: 'captured',
      captured_points: collected,
      uncollected_points: charged - collected,
      meta_pricing_type: settlement.metaPricingType,
      meta_category: metaCategory,
      category_mismatch: mismatch,
      settled_at: sql<Date>`now()`,
    })
    .where('message_id', '=', charge.message_id)
    .execute();
}

async function appendSettlement(
  transaction: Transaction<Schema>,
  charge: ChargeRow,
  entry: { kind: 'capture' | 'release' | 'expiry'; balanceDelta: number; heldPoints?: number; reason: string; category?: string },
): Promise<void> {
  const message = await transaction
    .selectFrom('messages')
    .select(['deployment_id', 'installation_id', 'ticket_helpdesk', 'ticket_id'])
    .where('id', '=', charge.message_id)
    .executeTakeFirstOrThrow();
  await transaction
    .insertInto('wallet_entries')
    .values({
      account_id: charge.account_id,
      kind: entry.kind,
      balance_delta_points: entry.balanceDelta,
      reserved_delta_points: -(entry.heldPoints ?? Number(charge.points)),
      message_id: charge.message_id,
      ...message,
      rate_card_id: charge.rate_card_id,
      rule_set_id: charge.rule_set_id,
      category: entry.category ?? charge.category,
      market: charge.market,
      rate_micro_usd: charge.rate_micro_usd,
      reason: entry.reason,
    })
    .execute();
}

/** The charges of these messages, by message id. */
export async function chargesOf(db: Kysely<Schema>, messageIds: string[]): Promise<Map<string, ChargeRow>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.selectFrom('message_charges').selectAll().where('message_id', 'in', messageIds).execute();
  return new Map(rows.map((row) => [row.message_id, row]));
}

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

export type WalletEntryRow = Selectable<Schema['wallet_entries']>;

/**
 * Returns the hold of the oldest charge still held since before `heldBefore` (Meta has sent no pricing for it), in a
 * transaction of its own; false when there is none. The charge becomes expired and an expiry entry gives the points
 * back to the available balance. Meta's verdict, if it ever comes, still settles the charge (see settleCharge).
 * SKIP LOCKED lets several bridge processes sweep side by side, and a status being applied to the same charge at
 * that moment (it holds the row lock) wins: the charge is no longer held when the sweep looks again.
 */
export async function expireOldestHold(db: Kysely<Schema>, heldBefore: Date, reason: string): Promise<boolean> {
  return db.transaction().execute(async (transaction) => {
    const charge = await transaction
      .selectFrom('message_charges')
      .selectAll()
      .where('state', '=', 'held')
      .where('created_at', '<', heldBefore)
      .orderBy('created_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (charge === undefined) return false;
    await appendSettlement(transaction, charge, { kind: 'expiry', balanceDelta: 0, reason });
    await transaction
      .updateTable('message_charges')
      .set({ state: 'expired', hold_expired_at: sql<Date>`now()` })
      .where('message_id', '=', charge.message_id)
      .execute();
    return true;
  });
}

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

/**
 * The wallet's invariants, checked against the ledger: for every account, the wallet row equals the sums of
 * its entries, the available balance is not negative, the points reserved equal the held charges, and the
 * hosting fees debited equal those recorded as collected. Returns the discrepancies (none when all hold).
 */
export async function auditWallets(db: Kysely<Schema>): Promise<string[]> {
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
  for (const row of rows.rows) {
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
  }
  return problems;
}
