import type { Message } from '../../contract/messages.js';
import type { SendState } from '../data/useIdempotentSend.js';
import { describeError } from '../i18n/describeError.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { failureText } from '../messages/MessageStatus.js';
import { useUiKit } from '../ui/UiKitProvider.js';

/**
 * What became of the last send: confirmed, or why it failed — also when Meta refused it after the bridge had accepted
 * it (`latest`, the message as the history reads it now, says so): the reason shows where the agent sent it from.
 */
export function SendFeedback({ state, sentText, latest }: { state: SendState; sentText: string; latest?: Message }) {
  const i18n = useI18n();
  const { Notice } = useUiKit();
  if (state.phase === 'sent') {
    const current = latest?.id === state.message.id ? latest : state.message;
    if ((current.state === 'failed' || current.status === 'failed') && current.error !== null) {
      return (
        <Notice tone="error" role="alert" data-testid="send-refused">
          <Notice.Paragraph>{i18n.t('messages.refusedLater', { reason: failureText(i18n, current.error) })}</Notice.Paragraph>
        </Notice>
      );
    }
    return (
      <Notice tone="success" role="status">
        <Notice.Paragraph>{sentText}</Notice.Paragraph>
      </Notice>
    );
  }
  if (state.phase === 'failed') {
    return (
      <Notice tone="error" role="alert">
        <Notice.Paragraph>{describeError(i18n, state.error)}</Notice.Paragraph>
      </Notice>
    );
  }
  return null;
}

/** The sent message as `messages` (the history) reads it now, if it is there. */
export function latestOf(messages: readonly Message[], state: SendState): Message | undefined {
  if (state.phase !== 'sent') return undefined;
  return messages.find((message) => message.id === state.message.id);
}
