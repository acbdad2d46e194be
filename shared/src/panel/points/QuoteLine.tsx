import type { PricingQuoteResponse } from '../../contract/pricing.js';
import { ErrorState } from '../components/ErrorState.js';
import type { Resource } from '../data/useResource.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { describeQuote } from './model.js';

/** What this send costs: "Cost: 12 points", "Cost: Free — customer service window", or why it is not known. */
export function QuoteLine({ quote }: { quote: Resource<PricingQuoteResponse> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { Skeleton, Text } = useUiKit();
  if (quote.state === 'loading') {
    return (
      <div role="status" aria-busy="true" aria-label={t('panel.loading')} data-testid="quote" style={{ marginTop: 8 }}>
        <Skeleton width="40%" />
      </div>
    );
  }
  if (quote.state === 'error') {
    if (quote.error.kind === 'problem' && quote.error.code === 'pricing_not_configured') {
      return (
        <Text data-testid="quote" style={{ marginTop: 8 }}>
          {t('points.notMetered')}
        </Text>
      );
    }
    return (
      <div data-testid="quote" style={{ marginTop: 8 }}>
        <ErrorState error={quote.error} onRetry={quote.reload} />
      </div>
    );
  }
  return (
    <Text data-testid="quote" style={{ marginTop: 8 }}>
      <strong>{t('points.cost')}:</strong> {describeQuote(i18n, quote.data)}
    </Text>
  );
}
