import { useMemo } from 'react';
import type { ContactStatus } from '../../contract/contacts.js';
import type { OptinSettings } from '../../contract/optin.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import type { RequesterPhone } from '../data/phone.js';
import type { Resource } from '../data/useResource.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { ConsentForm } from './ConsentForm.js';
import { shownTopics, topicName } from './model.js';

interface OptinSectionProps {
  phone: RequesterPhone;
  contact: Resource<ContactStatus> | null;
  settings: Resource<OptinSettings>;
  customerName: string | null;
  /** A consent was recorded: the contact's status (and with it every template's send-ability) must be read again. */
  onRecorded: () => void;
}

const stateTones = { opted_in: 'success', opted_out: 'danger', unknown: 'neutral' } as const;

/** The customer's consent per topic of the account (state, how, when), and a form to record a new one. */
export function OptinSection({ phone, contact, settings, customerName, onRecorded }: OptinSectionProps) {
  const { t } = useI18n();
  // Without a number there is no one to record consent for, and a contact that failed to load has its error and
  // retry in the window card above: either way the window card already says why.
  if (phone.kind !== 'ok' || contact === null || contact.state === 'error') return null;
  return (
    <Section heading={t('optin.heading')} collapsible="optin">
      {settings.state === 'error' ? (
        <ErrorState error={settings.error} onRetry={settings.reload} />
      ) : contact.state === 'loading' || settings.state === 'loading' ? (
        <LoadingState />
      ) : (
        <>
          <TopicList settings={settings.data} contact={contact.data} />
          <ConsentForm phoneE164={phone.e164} settings={settings.data} customerName={customerName} onRecorded={onRecorded} />
        </>
      )}
    </Section>
  );
}

function TopicList({ settings, contact }: { settings: OptinSettings; contact: ContactStatus }) {
  const i18n = useI18n();
  const { t, tIfKnown, formatDateTime } = i18n;
  const { Tag, Text } = useUiKit();
  const topics = useMemo(() => shownTopics(settings, contact), [settings, contact]);
  return (
    <ul aria-label={t('optin.topics')} data-testid="optin-topics" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {topics.map((topic) => {
        const consent = contact.opt_in[topic] ?? { state: 'unknown' as const, source: null, at: null };
        const source = consent.source === null ? null : (tIfKnown(`consentSources.${consent.source}`) ?? consent.source);
        return (
          <li key={topic} data-testid={`optin-topic-${topic}`} style={{ marginBottom: 8 }}>
            <div style={{ display: 'flex', gap: 8, alignItems: 'center', justifyContent: 'space-between' }}>
              <span>{topicName(settings, topic, i18n)}</span>
              <Tag tone={stateTones[consent.state]}>{t(`consentStates.${consent.state}`)}</Tag>
            </div>
            <Text>
              {source === null || consent.at === null
                ? t('optin.noRecord')
                : t('optin.recorded', { source, dateTime: formatDateTime(consent.at) })}
            </Text>
          </li>
        );
      })}
    </ul>
  );
}
