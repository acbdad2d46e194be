import { SM } from '@zendeskgarden/react-typography';
import type { Message } from '../../contract/messages.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import type { Resource } from '../data/useResource.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { MessageStatus } from './MessageStatus.js';

/** What was sent from this ticket, newest last, with each message's delivery status. */
export function MessageHistory({ messages }: { messages: Resource<Message[]> }) {
  const { t } = useI18n();
  return (
    <Section heading={t('messages.heading')}>
      {messages.state === 'loading' ? (
        <LoadingState />
      ) : messages.state === 'error' ? (
        <ErrorState error={messages.error} onRetry={messages.reload} />
      ) : messages.data.length === 0 ? (
        <SM>{t('messages.empty')}</SM>
      ) : (
        <ol aria-label={t('messages.heading')} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {messages.data.map((message) => (
            <MessageItem key={message.id} message={message} />
          ))}
        </ol>
      )}
    </Section>
  );
}

function MessageItem({ message }: { message: Message }) {
  const { t, formatDateTime } = useI18n();
  const summary =
    message.template !== null
      ? t('messages.template', { name: message.template.name, language: message.template.language })
      : message.kind === 'media'
        ? (message.media?.caption ?? message.media?.filename ?? t('messages.media'))
        : (message.text ?? '');
  return (
    <li data-testid="message" style={{ borderTop: '1px solid #e9ebed', padding: '6px 0' }}>
      <div style={{ overflowWrap: 'anywhere' }}>{summary}</div>
      <SM>{t('messages.sentAt', { dateTime: formatDateTime(message.created_at) })}</SM>
      <MessageStatus message={message} />
    </li>
  );
}
