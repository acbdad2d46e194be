import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';

/** Grey lines where content will be, announced once as loading. */
export function LoadingState({ lines = 3 }: { lines?: number }) {
  const { t } = useI18n();
  const { Skeleton } = useUiKit();
  return (
    <div role="status" aria-busy="true" aria-label={t('panel.loading')}>
      {Array.from({ length: lines }, (_, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines are identical and never reorder.
        <Skeleton key={index} width={index === lines - 1 ? '60%' : '100%'} />
      ))}
    </div>
  );
}
