import type { SendState } from '../data/useIdempotentSend.js';
import { describeError } from '../i18n/describeError.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';

/** What became of the last send: confirmed, or why it failed. */
export function SendFeedback({ state, sentText }: { state: SendState; sentText: string }) {
  const i18n = useI18n();
  const { Notice } = useUiKit();
  if (state.phase === 'sent') {
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
