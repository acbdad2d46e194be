/**
 * The app's entry point, loaded by assets/iframe.html in Zendesk's ticket sidebar. It creates the ZAF client
 * once (`ZAFClient.init()` reads `origin` and `app_guid` from the iframe's URL and returns false without
 * them), hands it down through `ZafClientProvider`, and renders the panel on the Zendesk `HelpdeskHost`, drawn
 * with Zendesk Garden as Zendesk's own apps are.
 */
import { SidebarPanel } from '@wabridge/shared/panel';
import { gardenKit } from '@wabridge/shared/ui-garden';
import { StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import ZAFClient from 'zendesk_app_framework_sdk';
import { useZafClient, ZafClientProvider } from './zaf/ZafClientProvider.js';
import { createZendeskHost } from './zaf/zendesk-host.js';

function ZendeskSidebar() {
  const client = useZafClient();
  const host = useMemo(() => createZendeskHost(client), [client]);
  return <SidebarPanel host={host} kit={gardenKit} />;
}

const container = document.getElementById('root')!;
const client = ZAFClient.init();
if (client === false) {
  container.textContent = 'This page is the wabridge Zendesk app: it runs inside Zendesk Support’s ticket sidebar.';
} else {
  createRoot(container).render(
    <StrictMode>
      <ZafClientProvider client={client}>
        <ZendeskSidebar />
      </ZafClientProvider>
    </StrictMode>,
  );
}
