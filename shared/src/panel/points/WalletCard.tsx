import { Alert } from '@zendeskgarden/react-notifications';
import { MD, SM } from '@zendeskgarden/react-typography';
import type { Wallet } from '../../contract/wallet.js';
import { Section } from '../components/Section.js';
import type { Resource } from '../data/useResource.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { formatPoints, lowBalanceThreshold } from './model.js';

/**
 * The account's points: available, reserved for messages in flight, and a warning under `lowBalanceThreshold`.
 * Shown only for an account that pays in points (`metered`) whose wallet could be read: otherwise nothing at all,
 * since the agent can do nothing about it here and every send still says why it fails.
 */
export function WalletCard({ wallet, metered }: { wallet: Resource<Wallet>; metered: boolean | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (metered !== true || wallet.state !== 'ready') return null;
  const { available, reserved } = wallet.data;
  return (
    <Section heading={t('points.walletHeading')}>
      <div data-testid="wallet">
        <MD isBold>{t('points.available', { points: formatPoints(i18n, available) })}</MD>
        {reserved > 0 && <SM>{t('points.reserved', { points: formatPoints(i18n, reserved) })}</SM>}
        {available < lowBalanceThreshold && (
          <Alert type="warning" style={{ marginTop: 8 }}>
            <Alert.Paragraph>{t('points.low', { threshold: lowBalanceThreshold })}</Alert.Paragraph>
          </Alert>
        )}
      </div>
    </Section>
  );
}
