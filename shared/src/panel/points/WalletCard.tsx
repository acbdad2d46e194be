import type { WalletOverview } from '../../contract/wallet.js';
import type { WalletEvent } from '../../contract/wallet-events.js';
import { Section } from '../components/Section.js';
import type { Resource } from '../data/useResource.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { formatPoints } from './model.js';

/**
 * The account's points: available, reserved for messages in flight, a warning under the account's low-balance
 * threshold (or when nothing is left), and the latest payment problem nobody has resolved (a failed payment or a
 * paused auto-recharge, until a payment succeeds). Shown only for an account that pays in points (`metered`) whose
 * wallet could be read: otherwise nothing at all, since the agent can do nothing about it here and every send still
 * says why it fails.
 */
export function WalletCard({ wallet, metered }: { wallet: Resource<WalletOverview>; metered: boolean | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { Notice, Text } = useUiKit();
  if (metered !== true || wallet.state !== 'ready') return null;
  const { available, reserved, low, low_balance_threshold: threshold, payment_problem: problem } = wallet.data;
  return (
    <Section
      heading={t('points.walletHeading')}
      collapsible="points"
      glance={t('points.available', { points: formatPoints(i18n, wallet.data.available) })}
    >
      <div data-testid="wallet">
        <Text size="medium" bold>
          {t('points.available', { points: formatPoints(i18n, available) })}
        </Text>
        {reserved > 0 && <Text>{t('points.reserved', { points: formatPoints(i18n, reserved) })}</Text>}
        {(available === 0 || low) && (
          <Notice tone="warning" style={{ marginTop: 8 }}>
            <Notice.Paragraph>{available === 0 ? t('points.empty') : t('points.low', { threshold })}</Notice.Paragraph>
          </Notice>
        )}
        {problem !== null && (
          <Notice tone="error" style={{ marginTop: 8 }} data-testid="payment-problem">
            <Notice.Paragraph>{describePaymentProblem(i18n, problem)}</Notice.Paragraph>
          </Notice>
        )}
      </div>
    </Section>
  );
}

function describePaymentProblem({ t, formatDateTime }: I18n, problem: WalletEvent): string {
  const dateTime = formatDateTime(problem.created_at);
  if (problem.type !== 'auto_recharge_paused') return t('points.paymentFailed', { dateTime });
  // The bridge says why it paused (bridge-server/src/wallet/auto-recharge.ts `Pause`): its limit, or failed payments.
  return problem.data.reason === 'limit_reached'
    ? t('points.autoRechargeLimitReached', { dateTime })
    : t('points.autoRechargePaused', { dateTime });
}
