import type { ConversationEntry } from '../../contract/conversations.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import type { LiveState } from '../data/live.js';
import type { Resource } from '../data/useResource.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { chargeText, MessageAutomation } from '../messages/MessageHistory.js';
import { MessageStatus } from '../messages/MessageStatus.js';
import { useTemplateTitle } from '../templates/titles.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import type { ConversationData } from './model.js';

/**
 * The conversation with the ticket's customer, oldest first: what they wrote and what was sent to them (from any
 * ticket, automation or the helpdesk's composer), with media, each sent message's state (accepted, sent, delivered,
 * read, failed with Meta's reason) and the words the customer received (a template's text with its values).
 */
export function ConversationView({ conversation, live }: { conversation: Resource<ConversationData>; live: LiveState }) {
  const { t } = useI18n();
  const { Text } = useUiKit();
  const latest = conversation.state === 'ready' ? conversation.data.entries.at(-1) : undefined;
  return (
    <Section
      heading={t('conversation.heading')}
      collapsible="conversation"
      // Folded, the latest message stays a glance away: who wrote last, and its first words.
      glance={
        latest === undefined
          ? undefined
          : glanceOf(latest, conversation.state === 'ready' ? conversation.data.customerName : null, t)
      }
    >
      {live !== 'off' && <Text data-testid="live-state">{t(liveKeys[live])}</Text>}
      {conversation.state === 'loading' ? (
        <LoadingState />
      ) : conversation.state === 'error' ? (
        <ErrorState error={conversation.error} onRetry={conversation.reload} />
      ) : conversation.data.entries.length === 0 ? (
        <Text>{t('conversation.empty')}</Text>
      ) : (
        <ol aria-label={t('conversation.heading')} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {conversation.data.entries.map((entry) => (
            <EntryItem key={entry.id} entry={entry} customerName={conversation.data.customerName} />
          ))}
        </ol>
      )}
    </Section>
  );
}

const liveKeys = {
  connecting: 'conversation.liveConnecting',
  live: 'conversation.liveLive',
  polling: 'conversation.livePolling',
} as const;

/** The glance of a folded conversation: `Hanako: Can I change the delivery…` (at most 60 characters of text). */
function glanceOf(entry: ConversationEntry, customerName: string | null, t: ReturnType<typeof useI18n>['t']): string {
  const who = entry.direction === 'inbound' ? (customerName ?? t('conversation.customer')) : t('conversation.us');
  const words = (entry.text ?? '').replace(/\s+/g, ' ').trim();
  const text = words.length > 60 ? `${words.slice(0, 59)}…` : words;
  return text === '' ? who : `${who}: ${text}`;
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

function EntryItem({ entry, customerName }: { entry: ConversationEntry; customerName: string | null }) {
  const i18n = useI18n();
  const titleOf = useTemplateTitle();
  const { t, tIfKnown, formatDateTime } = i18n;
  const { Text } = useUiKit();
  const charge = entry.message === null ? null : chargeText(i18n, entry.message.charge);
  const inbound = entry.direction === 'inbound';
  const message = entry.message;
  const who = inbound
    ? (customerName ?? t('conversation.customer'))
    : message?.template != null
      ? t('conversation.template', { name: titleOf(message.template) })
      : t('conversation.us');
  const media =
    entry.media === null
      ? null
      : `${tIfKnown(`conversation.media${capitalised(entry.media.kind)}`) ?? t('conversation.mediaFile')}${
          entry.media.filename === null ? '' : `: ${entry.media.filename}`
        }`;
  return (
    <li
      data-testid={inbound ? 'conversation-inbound' : 'message'}
      style={{
        margin: inbound ? '6px 24px 6px 0' : '6px 0 6px 24px',
        padding: '6px 8px',
        borderRadius: 8,
        background: inbound ? '#f3f4f6' : '#e6f4ea',
      }}
    >
      <Text>
        <strong>{who}</strong> · {formatDateTime(entry.at)}
      </Text>
      {media !== null && <Text data-testid="conversation-media">📎 {media}</Text>}
      {entry.text !== null && entry.text !== '' && (
        <div style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>{entry.text}</div>
      )}
      {message !== null && (
        <>
          <MessageAutomation message={message} />
          {charge !== null && <Text data-testid="message-charge">{charge}</Text>}
          <MessageStatus message={message} />
        </>
      )}
    </li>
  );
}
