import { Alert, Well } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { SM } from '@zendeskgarden/react-typography';
import type { ContactStatus } from '../../contract/contacts.js';
import { useNow } from '../clock.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import type { RequesterPhone } from '../data/phone.js';
import type { Resource } from '../data/useResource.js';
import { liveWindow } from '../data/window.js';
import { useI18n } from '../i18n/I18nProvider.js';

/** The customer's WhatsApp window: open or closed, for how long, what the agent can do now. */
export function WindowCard({ phone, contact }: { phone: RequesterPhone; contact: Resource<ContactStatus> | null }) {
  const { t } = useI18n();
  return (
    <Section heading={t('window.heading')}>
      {phone.kind !== 'ok' || contact === null ? (
        <NoPhone phone={phone} />
      ) : contact.state === 'loading' ? (
        <LoadingState />
      ) : contact.state === 'error' ? (
        <ErrorState error={contact.error} onRetry={contact.reload} />
      ) : (
        <WindowDetails status={contact.data} />
      )}
    </Section>
  );
}

function NoPhone({ phone }: { phone: RequesterPhone }) {
  const { t } = useI18n();
  return (
    <Well isRecessed>
      <Well.Title>{t('phone.missingTitle')}</Well.Title>
      <Well.Paragraph>
        {phone.kind === 'invalid' ? t('phone.invalid', { phone: phone.given }) : t('phone.missing')}
      </Well.Paragraph>
    </Well>
  );
}

function WindowDetails({ status }: { status: ContactStatus }) {
  const { t, formatDuration, formatDateTime } = useI18n();
  const live = liveWindow(status.window, useNow());
  const { contact, window } = status;
  return (
    <div data-testid="window-card">
      <div style={{ display: 'flex', gap: 4, marginBottom: 8 }}>
        <Tag hue={live.open ? 'successHue' : 'neutralHue'}>{live.open ? t('window.open') : t('window.closed')}</Tag>
        {live.freeRemainingMs !== null && <Tag hue="kale">{t('window.freeEntryPoint')}</Tag>}
      </div>
      <SM>
        {contact.name === null
          ? t('window.contact', { phone: contact.phone })
          : t('window.contactNamed', { name: contact.name, phone: contact.phone })}
      </SM>
      {live.open && window.expires_at !== null ? (
        <p>
          <strong>{t('window.replyFreelyFor', { duration: formatDuration(live.remainingMs) })}</strong>{' '}
          {t('window.closesAt', { dateTime: formatDateTime(window.expires_at) })}
        </p>
      ) : (
        <p>
          <strong>{t('window.onlyTemplates')}</strong>
        </p>
      )}
      {live.closingSoon && (
        <Alert type="warning">
          <Alert.Paragraph>{t('window.closingSoon', { duration: formatDuration(live.remainingMs) })}</Alert.Paragraph>
        </Alert>
      )}
      {live.freeRemainingMs !== null && window.free_until !== null && (
        <p>
          {t('window.freeFor', { duration: formatDuration(live.freeRemainingMs), dateTime: formatDateTime(window.free_until) })}
        </p>
      )}
      {live.offerRemainingMs !== null && window.free_entry_point_offer_expires_at !== null && (
        <Alert type="info">
          <Alert.Paragraph>
            {t('window.offer', {
              duration: formatDuration(live.offerRemainingMs),
              dateTime: formatDateTime(window.free_entry_point_offer_expires_at),
            })}
          </Alert.Paragraph>
        </Alert>
      )}
      <SM>
        {status.last_inbound_at === null
          ? t('window.neverWrote')
          : t('window.lastInbound', { dateTime: formatDateTime(status.last_inbound_at) })}
      </SM>
    </div>
  );
}
