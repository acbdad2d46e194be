import type { RateCard, RateCardPreview } from '@wabridge/shared';

type Difference = RateCardPreview['differences'][number];
type RateName = Difference['rates'][number]['rate'];

/** A market's rates under stable names (the API's), whichever model the card prices with. */
function namedRates(card: RateCard, market: string): Partial<Record<RateName, number | null>> | undefined {
  if (card.model === 'per_message') {
    const rates = card.rates[market];
    return rates === undefined
      ? undefined
      : {
          marketing: rates.marketingMicro,
          utility: rates.utilityMicro,
          authentication: rates.authenticationMicro,
          authentication_international: rates.authenticationInternationalMicro,
          service: rates.serviceMicro,
        };
  }
  const rates = card.rates[market];
  return rates === undefined
    ? undefined
    : { business_initiated: rates.businessInitiatedMicro, user_initiated: rates.userInitiatedMicro };
}

/**
 * How `card` differs from `current` (the card of its model in force), market by market: markets added, removed, and
 * those whose rates changed with each rate that did, before and after. Markets in alphabetical order.
 */
export function rateCardDifferences(card: RateCard, current: RateCard | null): Pick<RateCardPreview, 'summary' | 'differences'> {
  const markets = [...new Set([...Object.keys(card.rates), ...Object.keys(current?.rates ?? {})])].sort((a, b) =>
    a.localeCompare(b, 'en'),
  );
  const summary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  const differences: Difference[] = [];
  for (const market of markets) {
    const after = namedRates(card, market);
    const before = current === null ? undefined : namedRates(current, market);
    const names = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])] as RateName[];
    const rates = names
      .map((rate) => ({ rate, before_micro_usd: before?.[rate] ?? null, after_micro_usd: after?.[rate] ?? null }))
      .filter((rate) => before === undefined || after === undefined || rate.before_micro_usd !== rate.after_micro_usd);
    const change = before === undefined ? 'added' : after === undefined ? 'removed' : rates.length > 0 ? 'changed' : null;
    if (change === null) {
      summary.unchanged += 1;
      continue;
    }
    summary[change] += 1;
    differences.push({ market, change, rates });
  }
  return { summary, differences };
}
