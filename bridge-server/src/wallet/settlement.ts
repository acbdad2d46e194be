import { type Kysely, sql, type Transaction } from 'kysely';
import { priceAtCategory } from '../pricing/quote.js';
import type { Schema } from '../storage/schema.js';
import { lockWallet } from './balance.js';
import type { ChargeRow } from './charges.js';
import { loadPricingSettings } from './settings.js';

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
