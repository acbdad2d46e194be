import { Tag } from '@zendeskgarden/react-tags';
import { SM } from '@zendeskgarden/react-typography';
import type { Message } from '../../contract/messages.js';
import { useI18n } from '../i18n/I18nProvider.js';

type ShownState = 'sending' | 'accepted' | 'outcome_unknown' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

/** Where delivery stands: Meta's furthest status when there is one, else how far the bridge got. */
export function shownState(message: Message): ShownState {
  if (message.state === 'failed' || message.status === 'failed') return 'failed';
  return message.status ?? message.state;
}

const hues: Record<ShownState, string> = {
  sending: 'neutralHue',
  accepted: 'neutralHue',
  outcome_unknown: 'warningHue',
  sent: 'neutralHue',
  delivered: 'primaryHue',
  read: 'successHue',
  played: 'successHue',
  failed: 'dangerHue',
};

export function MessageStatus({ message }: { message: Message }) {
  const { t, tIfKnown } = useI18n();
  const state = shownState(message);
  const { error } = message;
  return (
    <div>
      <Tag hue={hues[state]} data-testid="message-status">
        {t(`states.${state}`)}
      </Tag>
      {state === 'failed' && error !== null && (
        <SM role="note" data-testid="message-error" style={{ color: '#cd3642' }}>
          {/* Meta's reason in the agent's language when we know it, else Meta's own title. */}
          {tIfKnown(`failureReasons.${error.reason}`) ?? error.title}
          {error.details !== null && error.details !== error.title ? ` ${error.details}` : ''}
          {error.code !== null ? ` (${t('messages.metaCode', { code: error.code })})` : ''}
        </SM>
      )}
    </div>
  );
}
