import type { PricingQuoteResponse } from '../../contract/pricing.js';
import type { Wallet } from '../../contract/wallet.js';
import type { Resource } from '../data/useResource.js';
import type { I18n } from '../i18n/I18nProvider.js';

/** Points as the agent reads them: the number in the agent's locale, with its unit ("1,200 points", "12 ポイント"). */
export function formatPoints(i18n: I18n, points: number): string {
  return i18n.t(points === 1 ? 'points.one' : 'points.other', { count: formatNumber(i18n, points) });
}

export function formatNumber({ locale }: I18n, value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** A quote as one line: "12 points", or "Free — customer service window". */
export function describeQuote(i18n: I18n, quote: PricingQuoteResponse): string {
  if (quote.points > 0) return formatPoints(i18n, quote.points);
  if (quote.free_reason === null) return i18n.t('points.free');
  return i18n.t('points.freeBecause', { reason: i18n.tIfKnown(`freeReasons.${quote.free_reason}`) ?? quote.free_reason });
}

/**
 * Whether the account pays for messages in points. An account without point prices is not charged: its quotes
 * answer `pricing_not_configured` (and its wallet reads all zeros, which says nothing). Any other answer of the
 * quote endpoint (a price, or a refusal such as `window_closed`) means the account has prices. Null: not known.
 */
export function meteringOf(quote: Resource<PricingQuoteResponse> | null): boolean | null {
  if (quote === null || quote.state === 'loading') return null;
  if (quote.state === 'ready') return true;
  if (quote.error.kind !== 'problem') return null;
  if (quote.error.code === 'pricing_not_configured') return false;
  return ['window_closed', 'not_priceable', 'template_not_found', 'validation_failed'].includes(quote.error.code) ? true : null;
}

/**
 * Why the points stop this send, or null. Only a known cost above known available points blocks: a free message
 * never does, and while either is unknown (loading, failed) the bridge decides (it refuses with `insufficient_points`).
 */
export function pointsBlockedReason(
  i18n: I18n,
  quote: Resource<PricingQuoteResponse> | null,
  wallet: Resource<Wallet> | null,
): string | null {
  if (quote?.state !== 'ready' || wallet?.state !== 'ready') return null;
  const cost = quote.data.points;
  const { available } = wallet.data;
  if (cost === 0 || cost <= available) return null;
  return i18n.t('sendBlocked.notEnoughPoints', { cost: formatNumber(i18n, cost), available: formatNumber(i18n, available) });
}
