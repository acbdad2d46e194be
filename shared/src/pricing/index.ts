/*
 * The pricing model: Meta's rate cards, pricing rules and country → market mappings as dated data, the
 * price of one message, its cost in points, and purchase receipts. Pure functions without I/O or
 * Node-only APIs, shared by the bridge (wallet, send pipeline) and the sidebar panel (costs). Every
 * amount is an integer in a named unit; see amounts.ts and points.ts for the rounding.
 */
export {
  basisPointsPerWhole,
  ceilDivide,
  type DecimalParseResult,
  microPerUnit,
  parseDecimalMicro,
  roundHalfUpDivide,
} from './amounts.js';
export { type CsvCell, CsvFormatError, type CsvRow, parseCsv } from './csv.js';
export { type Dated, defaultPricingTimeZone, isKnownTimeZone, latestInForce, startOfDay } from './effective-dates.js';
export { PricingError, type PricingErrorCode } from './errors.js';
export { type CountryMarketRow, type NanpAreaCodeRow, parseCountryMarketCsv, parseNanpAreaCodeCsv } from './market-tables.js';
export {
  type CountryPlacement,
  type MarketAssignment,
  type MarketOptions,
  type MarketScheme,
  marketOf,
  marketSchemeInForce,
  marketSchemes,
  marketsOf,
  northAmericaMarket,
} from './markets.js';
export {
  type AccountPricingSettings,
  type AccountPricingSettingsInput,
  accountPricingSettingsSchema,
  defaultFeePercentBasisPoints,
  type PurchaseReceipt,
  pointPriceMinorMax,
  pointsForRate,
  pointsPerPurchaseMax,
  pointValueMicroUsdMax,
  purchaseReceipt,
  unitPriceMinor,
} from './points.js';
export { type PricingQuote, type QuoteInput, quote } from './quote.js';
export {
  type CardInForceOptions,
  type CategoryRates,
  type ConversationRateCard,
  cardInForce,
  type InitiatorRates,
  metaRateCardHeader,
  otherMarket,
  type PerMessageRateCard,
  parseRateCardCsv,
  type RateCard,
  type RateCardIdentity,
  type RateCardModel,
} from './rate-cards.js';
export {
  type BusinessPricingProfile,
  type ConversationRuleSet,
  type ConversationState,
  cbp20220201RuleSet,
  defaultPricingConfig,
  type FreeReason,
  type MessageClass,
  type MessagePrice,
  type PerMessageOutcome,
  type PerMessageRuleSet,
  type PriceMessageInput,
  type PricingCategory,
  type PricingConfig,
  pmp20250701RuleSet,
  pmp20261001RuleSet,
  priceMessage,
  type RuleSet,
  ruleSetInForce,
  ruleSets,
  seedRateCards,
} from './rules.js';
