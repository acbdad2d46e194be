/**
 * What the wallet tests expect a message to cost, written out from the rate card data (shared/src/pricing/tables/,
 * the same figures as /work/shared/data/rates/), never read from the bridge's own quote: a pricing error in the
 * bridge then fails the ledger tests instead of moving their expectations along with it.
 *
 * The seeded per-message card pmp-2025-07-01 is the only per-message card in force for these tests; markets by
 * markets-2025-10-01.csv (unchanged for +81 and +44 by the 2026-07-01 split). A point's price in points is the rate
 * divided by the account's point value, rounded up (a deduction never covers less than Meta charges).
 */
export const expectedPrices = {
  /** +81: JP is in "Rest of Asia Pacific"; its row: marketing 0.0732, utility 0.0113 US$. */
  japan: {
    market: 'Rest of Asia Pacific',
    utilityRateMicroUsd: 11_300,
    marketingRateMicroUsd: 73_200,
    /** 11,300 micro-USD ÷ 1,000 micro-USD a point = 11.3, rounded up. */
    utilityPointsAt1000MicroUsd: 12,
    /** 11,300 micro-USD ÷ 100 micro-USD a point. */
    utilityPointsAt100MicroUsd: 113,
    /** 73,200 micro-USD ÷ 1,000 micro-USD a point = 73.2, rounded up. */
    marketingPointsAt1000MicroUsd: 74,
  },
  /** +44: GB is the market "United Kingdom"; its row: marketing 0.0529, utility 0.022 US$. */
  unitedKingdom: {
    market: 'United Kingdom',
    utilityRateMicroUsd: 22_000,
    /** 22,000 micro-USD ÷ 1,000 micro-USD a point, exact. */
    utilityPointsAt1000MicroUsd: 22,
  },
} as const;
