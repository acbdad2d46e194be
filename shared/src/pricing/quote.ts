import { pointsForRate } from './points.js';
import { type FreeReason, type PriceMessageInput, type PricingCategory, priceMessage } from './rules.js';

/*
 * The quote behind `GET /v1/pricing/quote`: what a message would cost in points, and why. The same
 * function prices the deduction when the message is sent, so a quote and a charge cannot disagree.
 */

export type PricingQuote = {
  category: PricingCategory;
  /** The recipient's market under the mapping in force. */
  market: string;
  /** Points deducted: 0 when free, else ⌈rate / point value⌉ (points.ts). */
  points: number;
  free_reason: FreeReason | null;
  /** Id of the rate card in force, free or not. */
  rate_card: string;
  /** Id of the rule set in force. */
  rule_set: string;
  /** Meta's charge in micro-USD that `points` covers; 0 when free. */
  rate_micro_usd: number;
  /** The rate card row used: `market`, or the market it was split from while the card predates the split. */
  rate_market: string;
};

export type QuoteInput = PriceMessageInput & {
  /** The account's value of one point in micro-USD (`AccountPricingSettings.pointValueMicroUsd`). */
  pointValueMicroUsd: number;
};

/** Throws `PricingError` when the message cannot be priced (see errors.ts). */
export function quote(input: QuoteInput): PricingQuote {
  const price = priceMessage(input);
  return {
    category: price.category,
    market: price.market,
    points: price.chargeable ? pointsForRate(price.rateMicroUsd, input.pointValueMicroUsd) : 0,
    free_reason: price.freeReason,
    rate_card: price.rateCardId,
    rule_set: price.ruleSetId,
    rate_micro_usd: price.rateMicroUsd,
    rate_market: price.rateMarket,
  };
}
