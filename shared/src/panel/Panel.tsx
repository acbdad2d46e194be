import { useEffect, useState } from 'react';
import { LoadingState } from './components/LoadingState.js';
import { useHost } from './HostProvider.js';
import type { TicketContext } from './host.js';
import { useI18n } from './i18n/I18nProvider.js';
import { TicketView } from './TicketView.js';
import { useUiKit } from './ui/UiKitProvider.js';
import { useAutoResize } from './useAutoResize.js';

/** The ticket as read for one generation: a reading of an earlier generation is never shown for a later one. */
type TicketLoad = { generation: number } & (
  | { state: 'loading' }
  | { state: 'ready'; ticket: TicketContext }
  | { state: 'error' }
);

/**
 * Reads the open ticket and shows its panel; reads it again when the helpdesk says the ticket changed. Each
 * reading gets a fresh `TicketView` (by key), so nothing of the previous ticket (a half-filled form, an idempotency
 * key, a poll) survives the switch.
 */
export function Panel() {
  const host = useHost();
  const { t } = useI18n();
  const { Button, Notice } = useUiKit();
  const [generation, setGeneration] = useState(0);
  const [stored, setLoad] = useState<TicketLoad>({ generation, state: 'loading' });
  // Between a ticket change and its effect, the stored reading is of the previous ticket: show loading, not it.
  const load: TicketLoad = stored.generation === generation ? stored : { generation, state: 'loading' };
  const rootRef = useAutoResize<HTMLDivElement>();

  useEffect(() => host.onTicketChanged(() => setGeneration((previous) => previous + 1)), [host]);
  useEffect(() => {
    let current = true;
    setLoad({ generation, state: 'loading' });
    host.ticket().then(
      (ticket) => current && setLoad({ generation, state: 'ready', ticket }),
      () => current && setLoad({ generation, state: 'error' }),
    );
    return () => {
      current = false;
    };
  }, [host, generation]);

  return (
    // Long words (a link, an example value) wrap anywhere rather than widen the narrow sidebar into a sideways scroll.
    <div ref={rootRef} style={{ padding: 4, overflowWrap: 'anywhere', minWidth: 0 }}>
      {load.state === 'loading' ? (
        <LoadingState lines={5} />
      ) : load.state === 'error' ? (
        <Notice tone="error" role="alert">
          <Notice.Paragraph>{t('errors.ticket')}</Notice.Paragraph>
          <Button size="small" onClick={() => setGeneration((previous) => previous + 1)}>
            {t('panel.retry')}
          </Button>
        </Notice>
      ) : (
        <TicketView key={generation} ticket={load.ticket} />
      )}
    </div>
  );
}
