import { useEffect, useState } from 'react';
import { type Clock, ClockProvider, systemClock } from './clock.js';
import { HostProvider } from './HostProvider.js';
import type { HelpdeskHost, PanelLocale } from './host.js';
import { I18nProvider } from './i18n/I18nProvider.js';
import { Panel } from './Panel.js';
import type { UiKit } from './ui/kit.js';
import { UiKitProvider } from './ui/UiKitProvider.js';

export interface SidebarPanelProps {
  host: HelpdeskHost;
  /** The design system to draw with: the helpdesk's own look (`@wabridge/shared/ui-garden` in Zendesk). */
  kit: UiKit;
  /** Time for countdowns and polling; the system clock unless a test passes its own. */
  clock?: Clock;
}

/** The whole sidebar panel: what each helpdesk adapter renders, with its `HelpdeskHost`. */
export function SidebarPanel({ host, kit, clock = systemClock }: SidebarPanelProps) {
  const locale = useLocale(host);
  return (
    <HostProvider host={host}>
      <ClockProvider clock={clock}>
        <I18nProvider locale={locale}>
          <UiKitProvider kit={kit}>
            <Panel />
          </UiKitProvider>
        </I18nProvider>
      </ClockProvider>
    </HostProvider>
  );
}

/** The agent's language; English until the helpdesk has said, and if it cannot say. */
function useLocale(host: HelpdeskHost): PanelLocale {
  const [locale, setLocale] = useState<PanelLocale>('en');
  useEffect(() => {
    let current = true;
    host.locale().then(
      (answer) => current && setLocale(answer),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [host]);
  return locale;
}
