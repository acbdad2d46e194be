import type { BridgeError } from '../api.js';
import { describeError } from '../i18n/describeError.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';

/** A request that failed, said in the agent's words, with a way to try again. */
export function ErrorState({ error, onRetry }: { error: BridgeError; onRetry: () => void }) {
  const i18n = useI18n();
  const { Button, Notice } = useUiKit();
  return (
    <Notice tone="error" role="alert">
      <Notice.Paragraph>{describeError(i18n, error)}</Notice.Paragraph>
      <Button size="small" onClick={onRetry} style={{ marginTop: 8 }}>
        {i18n.t('panel.retry')}
      </Button>
    </Notice>
  );
}
