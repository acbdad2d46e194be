import * as z from 'zod';
import { basisPointsPerWhole, ceilDivide, requireSafeInteger, roundHalfUpDivide, toSafeInteger } from './amounts.js';

/*
 * Points: what a customer buys in advance and what each paid message deducts.
 *
 * Two conversions, both in integers:
 * - Meta's charge for a message (micro-USD) → points, by the value of one point in micro-USD, rounded UP
 *   to a whole point (`pointsForRate`). The wallet holds whole points, and rounding up means a deduction
 *   never covers less than Meta charges us; an operator who wants less rounding gives a point a smaller
 *   value (at US$0.0001 = 100 micro-USD per point, every rate on Meta's four-decimal cards is exact).
 * - Points bought → money (`purchaseReceipt`), in the minor unit of the account's currency (cents for
 *   USD, yen for JPY): subtotal = points × unit price; fee = subtotal × fee rate; tax on subtotal + fee
 *   (seed 000: tax applies to the total); total = subtotal + fee + tax. Fee and tax are each rounded
 *   half-up to the minor unit, once, on the whole purchase: the way an invoice line is rounded, and the
 *   result never differs from the exact amount by more than half a minor unit.
 */

/** Seed 001 (Zoho SalesIQ): every purchase of credits carries a 3% fee. */
export const defaultFeePercentBasisPoints = 300;

const safeInteger = z.int();

/*
 * Bounds that keep every amount exact. A purchase is at most `pointsPerPurchaseMax` points, so its subtotal is
 * at most 10^9 × 10^6 = 10^15 minor units; a fee and a tax of at most 100% each at most double it twice, so
 * the total stays under 4 × 10^15, below Number.MAX_SAFE_INTEGER (≈ 9.007 × 10^15). Real prices are far below:
 * 1,000,000 minor units is US$10,000 or ¥1,000,000 for one point. Without these bounds the contract accepted a
 * price of 2^53 − 1 and the receipt overflowed to a 500 (issue 16).
 */
/** The most points one purchase (checkout, auto-recharge, operator purchase) buys. */
export const pointsPerPurchaseMax = 1_000_000_000;
/** The highest price of one point, in the minor unit of the account's currency. */
export const pointPriceMinorMax = 1_000_000;
/**
 * The highest value of one point: US$1,000. `pointsForRate` divides by it (through BigInt), so any value is
 * exact; the bound only refuses a value no one means.
 */
export const pointValueMicroUsdMax = 1_000_000_000;

/** An account's point prices: zod validates them where they enter (settings API, database). */
export const accountPricingSettingsSchema = z.object({
  /** ISO 4217 currency the account pays in. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code in capitals, like USD or JPY'),
  /** Price of one point in the currency's minor unit (cents for USD, yen for JPY, which has no minor unit). */
  pointPriceMinor: safeInteger.positive().max(pointPriceMinorMax),
  /**
   * Seed 000: the price depends on the quantity. A purchase of at least `minimumPoints` points is charged
   * the matching `pointPriceMinor` for every point (the largest minimum reached wins). Empty: one price.
   */
  quantityPrices: z
    .array(z.object({ minimumPoints: safeInteger.positive(), pointPriceMinor: safeInteger.positive().max(pointPriceMinorMax) }))
    .refine((prices) => new Set(prices.map((price) => price.minimumPoints)).size === prices.length, {
      message: 'each minimumPoints may appear once',
    })
    .default([]),
  /** Fee on the subtotal in basis points: 3% = 300 (seed 001), 0 for none. */
  feePercentBasisPoints: safeInteger.min(0).max(basisPointsPerWhole).default(defaultFeePercentBasisPoints),
  /** Tax on subtotal + fee in basis points: 10% = 1_000. */
  taxRateBasisPoints: safeInteger.min(0).max(basisPointsPerWhole).default(0),
  /** What one point pays of Meta's charges, in micro-USD: US$0.01 = 10_000. */
  pointValueMicroUsd: safeInteger.positive().max(pointValueMicroUsdMax),
});

export type AccountPricingSettings = z.infer<typeof accountPricingSettingsSchema>;
export type AccountPricingSettingsInput = z.input<typeof accountPricingSettingsSchema>;

/**
 * Points deducted for a message Meta charges `rateMicroUsd` for: ⌈rate / point value⌉. An exact multiple
 * costs exactly that many points, one micro-USD more costs one more point, a free message costs 0.
 */
export function pointsForRate(rateMicroUsd: number, pointValueMicroUsd: number): number {
  requireSafeInteger(rateMicroUsd, 'rateMicroUsd');
  requireSafeInteger(pointValueMicroUsd, 'pointValueMicroUsd', 1);
  return toSafeInteger(ceilDivide(BigInt(rateMicroUsd), BigInt(pointValueMicroUsd)), 'points');
}

/** The price of each point in a purchase of `points`, in minor units. */
export function unitPriceMinor(points: number, settings: AccountPricingSettings): number {
  let price = settings.pointPriceMinor;
  let reached = 0;
  for (const tier of settings.quantityPrices) {
    if (tier.minimumPoints <= points && tier.minimumPoints > reached) {
      price = tier.pointPriceMinor;
      reached = tier.minimumPoints;
    }
  }
  return price;
}

/** A purchase of points; every amount in the minor unit of `currency`. */
export type PurchaseReceipt = {
  points: number;
  unit_price: number;
  subtotal: number;
  fee: number;
  tax: number;
  total: number;
  currency: string;
};

/** The receipt for buying `points` points. See the top of this file for the arithmetic and its rounding. */
export function purchaseReceipt({ points, settings }: { points: number; settings: AccountPricingSettings }): PurchaseReceipt {
  requireSafeInteger(points, 'points', 1);
  const unitPrice = BigInt(unitPriceMinor(points, settings));
  const perWhole = BigInt(basisPointsPerWhole);
  const subtotal = BigInt(points) * unitPrice;
  const fee = roundHalfUpDivide(subtotal * BigInt(settings.feePercentBasisPoints), perWhole);
  const tax = roundHalfUpDivide((subtotal + fee) * BigInt(settings.taxRateBasisPoints), perWhole);
  return {
    points,
    unit_price: toSafeInteger(unitPrice, 'unit_price'),
    subtotal: toSafeInteger(subtotal, 'subtotal'),
    fee: toSafeInteger(fee, 'fee'),
    tax: toSafeInteger(tax, 'tax'),
    total: toSafeInteger(subtotal + fee + tax, 'total'),
    currency: settings.currency,
  };
}
