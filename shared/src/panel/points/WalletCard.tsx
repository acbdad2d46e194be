import { Alert } from '@zendeskgarden/react-notifications';
import { MD, SM } from '@zendeskgarden/react-typography';
import type { WalletOverview } from '../../contract/wallet.js';
import type { WalletEvent } from '../../contract/wallet-events.js';
import { Section } from '../components/Section.js';
import type { Resource } from '../data/useResource.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
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
  if (metered !== true || wallet.state !== 'ready') return null;
  const { available, reserved, low, low_balance_threshold: threshold, payment_problem: problem } = wallet.data;
  return (
    <Section heading={t('points.walletHeading')}>
      <div data-testid="wallet">
        <MD isBold>{t('points.available', { points: formatPoints(i18n, available) })}</MD>
        {reserved > 0 && <SM>{t('points.reserved', { points: formatPoints(i18n, reserved) })}</SM>}
        {(available === 0 || low) && (
          <Alert type="warning" style={{ marginTop: 8 }}>
            <Alert.Paragraph>{available === 0 ? t('points.empty') : t('points.low', { threshold })}</Alert.Paragraph>
          </Alert>
        )}
        {problem !== null && (
          <Alert type="error" style={{ marginTop: 8 }} data-testid="payment-problem">
            <Alert.Paragraph>{describePaymentProblem(i18n, problem)}</Alert.Paragraph>
          </Alert>
        )}
      </div>
    </Section>
  );
}

function describePaymentProblem({ t, formatDateTime }: I18n, problem: WalletEvent): string {
  const dateTime = formatDateTime(problem.created_at);
  return problem.type === 'auto_recharge_paused'
    ? t('points.autoRechargePaused', { dateTime })
    : t('points.paymentFailed', { dateTime });
}
