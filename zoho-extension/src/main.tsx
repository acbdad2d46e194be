/**
 * The widget's entry point, loaded by app/widget.html in Zoho Desk's ticket right panel. Zoho's SDK script defines
 * `window.ZOHODESK`; the extension is usable once `ZOHODESK.extension.onload()` resolves. Both are handed down once
 * through `ZohoDeskProvider`, and the panel renders on the Zoho Desk `HelpdeskHost`.
 */
import { StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import en from '../definition/translations/en.json' with { type: 'json' };
import { ZohoPanel } from './design.js';
import type { ZohoDeskSdk } from './zoho/sdk.js';
import { useZohoDesk, ZohoDeskProvider } from './zoho/ZohoDeskProvider.js';
import { createZohoHost } from './zoho/zoho-host.js';

function ZohoRightPanel() {
  const { sdk, app } = useZohoDesk();
  const host = useMemo(() => createZohoHost(sdk, app), [sdk, app]);
  return <ZohoPanel host={host} />;
}

const container = document.getElementById('root')!;
const sdk = (window as unknown as { ZOHODESK?: ZohoDeskSdk }).ZOHODESK;
if (sdk === undefined) {
  container.textContent = en.widget.outside_zoho;
} else {
  sdk.extension.onload().then(
    (app) =>
      createRoot(container).render(
        <StrictMode>
          <ZohoDeskProvider desk={{ sdk, app }}>
            <ZohoRightPanel />
          </ZohoDeskProvider>
        </StrictMode>,
      ),
    () => {
      container.textContent = en.widget.outside_zoho;
    },
  );
}
