import type { Message } from '../../contract/messages.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
import type { TagProps } from '../ui/kit.js';
import { useUiKit } from '../ui/UiKitProvider.js';

type ShownState = 'sending' | 'accepted' | 'outcome_unknown' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

/** Where delivery stands: Meta's furthest status when there is one, else how far the bridge got. */
export function shownState(message: Message): ShownState {
  if (message.state === 'failed' || message.status === 'failed') return 'failed';
  return message.status ?? message.state;
}

const tones: Record<ShownState, TagProps['tone']> = {
  sending: 'neutral',
  accepted: 'neutral',
  outcome_unknown: 'warning',
  sent: 'neutral',
  delivered: 'info',
  read: 'success',
  played: 'success',
  failed: 'danger',
};

export function MessageStatus({ message }: { message: Message }) {
  const i18n = useI18n();
  const { Tag, Text } = useUiKit();
  const state = shownState(message);
  const { error } = message;
  return (
    <div>
      <Tag tone={tones[state]} data-testid="message-status">
        {i18n.t(`states.${state}`)}
      </Tag>
      {state === 'failed' && error !== null && (
        <Text role="note" tone="danger" data-testid="message-error">
          {failureText(i18n, error)}
        </Text>
      )}
    </div>
  );
}

/** Why Meta refused a message: its reason in the agent's language when we know it (else Meta's own title), and its code. */
export function failureText({ t, tIfKnown }: I18n, error: NonNullable<Message['error']>): string {
  const reason = tIfKnown(`failureReasons.${error.reason}`) ?? error.title;
  const details = error.details !== null && error.details !== error.title ? ` ${error.details}` : '';
  const code = error.code !== null ? ` (${t('messages.metaCode', { code: error.code })})` : '';
  return `${reason}${details}${code}`;
}
