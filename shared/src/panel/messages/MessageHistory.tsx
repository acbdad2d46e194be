import type { Message } from '../../contract/messages.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import type { Resource } from '../data/useResource.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
import { formatPoints } from '../points/model.js';
import { useTemplateTitle } from '../templates/titles.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { MessageStatus } from './MessageStatus.js';

/** What was sent from this ticket, newest last, with each message's delivery status. */
export function MessageHistory({ messages }: { messages: Resource<Message[]> }) {
  const { t } = useI18n();
  const { Text } = useUiKit();
  return (
    <Section heading={t('messages.heading')}>
      {messages.state === 'loading' ? (
        <LoadingState />
      ) : messages.state === 'error' ? (
        <ErrorState error={messages.error} onRetry={messages.reload} />
      ) : messages.data.length === 0 ? (
        <Text>{t('messages.empty')}</Text>
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
  const i18n = useI18n();
  const titleOf = useTemplateTitle();
  const { t, formatDateTime } = i18n;
  const { Text } = useUiKit();
  const charge = chargeText(i18n, message.charge);
  const summary =
    message.template !== null
      ? t('messages.template', { name: titleOf(message.template), language: message.template.language })
      : message.kind === 'media'
        ? (message.media?.caption ?? message.media?.filename ?? t('messages.media'))
        : (message.text ?? '');
  return (
    <li data-testid="message" style={{ borderTop: '1px solid #e9ebed', padding: '6px 0' }}>
      <div style={{ overflowWrap: 'anywhere' }}>{summary}</div>
      <Text>{t('messages.sentAt', { dateTime: formatDateTime(message.created_at) })}</Text>
      <MessageAutomation message={message} />
      {charge !== null && <Text data-testid="message-charge">{charge}</Text>}
      <MessageStatus message={message} />
    </li>
  );
}

/** Which automation sent the message, or was refused (a failed message); nothing for an agent's message. */
export function MessageAutomation({ message }: { message: Message }) {
  const { t } = useI18n();
  const { Text } = useUiKit();
  if (message.automation === null) return null;
  return (
    <Text data-testid="message-automation">
      {t(message.state === 'failed' ? 'messages.automationRefused' : 'messages.automation', { name: message.automation })}
    </Text>
  );
}

/** What the message cost in points; null for an account that does not pay in points (no charge recorded). */
export function chargeText(i18n: I18n, charge: Message['charge']): string | null {
  if (charge === null) return null;
  switch (charge.state) {
    case 'free': {
      const reason = charge.free_reason === null ? undefined : i18n.tIfKnown(`freeReasons.${charge.free_reason}`);
      return reason === undefined ? i18n.t('points.free') : i18n.t('points.freeBecause', { reason });
    }
    case 'held':
      return i18n.t('points.chargeHeld', { points: formatPoints(i18n, charge.points) });
    case 'captured':
      return formatPoints(i18n, charge.captured_points ?? charge.points);
    case 'released':
      return i18n.t('points.chargeReleased');
    case 'expired':
      return i18n.t('points.chargeExpired');
  }
}
