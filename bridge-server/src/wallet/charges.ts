import type { PricingQuote } from '@wabridge/shared';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { lockWallet } from './balance.js';

/** A message's charge: what it costs and where its points stand (held, free, captured, released, expired). */
export type ChargeRow = Selectable<Schema['message_charges']>;

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

/** The charges of these messages, by message id. */
export async function chargesOf(db: Kysely<Schema>, messageIds: string[]): Promise<Map<string, ChargeRow>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.selectFrom('message_charges').selectAll().where('message_id', 'in', messageIds).execute();
  return new Map(rows.map((row) => [row.message_id, row]));
}
