import { Alert } from '@zendeskgarden/react-notifications';
import type { SendState } from '../data/useIdempotentSend.js';
import { describeError } from '../i18n/describeError.js';
import { useI18n } from '../i18n/I18nProvider.js';

/** What became of the last send: confirmed, or why it failed. */
export function SendFeedback({ state, sentText }: { state: SendState; sentText: string }) {
  const i18n = useI18n();
  if (state.phase === 'sent') {
    return (
      <Alert type="success" role="status">
        <Alert.Paragraph>{sentText}</Alert.Paragraph>
      </Alert>
    );
  }
  if (state.phase === 'failed') {
    return (
      <Alert type="error" role="alert">
        <Alert.Paragraph>{describeError(i18n, state.error)}</Alert.Paragraph>
      </Alert>
    );
  }
  return null;
}
