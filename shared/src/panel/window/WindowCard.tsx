import type { ContactStatus } from '../../contract/contacts.js';
import { useNow } from '../clock.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import type { RequesterPhone } from '../data/phone.js';
import type { Resource } from '../data/useResource.js';
import { liveWindow } from '../data/window.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';

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
        <WindowDetails status={contact.data} rangeUnknown={phone.rangeUnknown === true} />
      )}
    </Section>
  );
}

function NoPhone({ phone }: { phone: RequesterPhone }) {
  const { t } = useI18n();
  const { Callout } = useUiKit();
  return (
    <Callout title={t('phone.missingTitle')}>
      {phone.kind === 'invalid' ? t('phone.invalid', { phone: phone.given }) : t('phone.missing')}
    </Callout>
  );
}

/**
 * `rangeUnknown`: the ticket's number lies outside the ranges known for its country. Once the customer has written,
 * WhatsApp has delivered it and nothing needs saying; before, the agent is asked to check it (the bridge refuses a
 * template to it until then).
 */
function WindowDetails({ status, rangeUnknown }: { status: ContactStatus; rangeUnknown: boolean }) {
  const { t, formatDuration, formatDateTime } = useI18n();
  const { Notice, Tag, Text } = useUiKit();
  const live = liveWindow(status.window, useNow());
  const { contact, window } = status;
  return (
    <div data-testid="window-card">
      <div style={{ display: 'flex', gap: 4, marginBottom: 8 }}>
        <Tag tone={live.open ? 'success' : 'neutral'}>{live.open ? t('window.open') : t('window.closed')}</Tag>
        {live.freeRemainingMs !== null && <Tag tone="highlight">{t('window.freeEntryPoint')}</Tag>}
      </div>
      <Text>
        {contact.name === null
          ? t('window.contact', { phone: contact.phone })
          : t('window.contactNamed', { name: contact.name, phone: contact.phone })}
      </Text>
      {rangeUnknown && status.last_inbound_at === null && (
        <Notice tone="warning" role="status" data-testid="phone-range-unknown">
          <Notice.Paragraph>{t('phone.rangeUnknown')}</Notice.Paragraph>
        </Notice>
      )}
      {live.open && window.expires_at !== null ? (
        <p>
          {/* While Meta stops this number's answers (the banner above says why), the window does not mean "reply". */}
          <strong>
            {status.number?.can_send === false
              ? t('window.openButNumberStopped')
              : t('window.replyFreelyFor', { duration: formatDuration(live.remainingMs) })}
          </strong>{' '}
          {t('window.closesAt', { dateTime: formatDateTime(window.expires_at) })}
        </p>
      ) : (
        <p>
          <strong>{t('window.onlyTemplates')}</strong>
        </p>
      )}
      {live.closingSoon && (
        // One warning line, not a boxed notice: the line above already gives the time left, and a box (its padding
        // and icon column) pushed the template search below the first screen of a 320 px sidebar (issue #15).
        <Text data-testid="window-closing-soon" bold style={closingSoonStyle}>
          <span aria-hidden="true">⚠ </span>
          <span>{t('window.closingSoon', { duration: formatDuration(live.remainingMs) })}</span>
        </Text>
      )}
      {live.open && status.window_reminder != null && (
        <Notice tone="warning" data-testid="window-reminder">
          <Notice.Paragraph>
            {t('window.reminded', {
              ticket: status.window_reminder.ticket.id,
              dateTime: formatDateTime(status.window_reminder.closes_at),
            })}
          </Notice.Paragraph>
        </Notice>
      )}
      {live.freeRemainingMs !== null && window.free_until !== null && (
        <p>
          {t('window.freeFor', { duration: formatDuration(live.freeRemainingMs), dateTime: formatDateTime(window.free_until) })}
        </p>
      )}
      {live.offerRemainingMs !== null && window.free_entry_point_offer_expires_at !== null && (
        <Notice tone="info">
          <Notice.Paragraph>
            {t('window.offer', {
              duration: formatDuration(live.offerRemainingMs),
              dateTime: formatDateTime(window.free_entry_point_offer_expires_at),
            })}
          </Notice.Paragraph>
        </Notice>
      )}
      <Text>
        {status.last_inbound_at === null
          ? t('window.neverWrote')
          : t('window.lastInbound', { dateTime: formatDateTime(status.last_inbound_at) })}
      </Text>
    </div>
  );
}

/** Garden's warning foreground (orange 700 on white passes WCAG AA): the warning's colour without a box. */
const closingSoonStyle = { color: '#ad5918', margin: '0 0 8px' } as const;
