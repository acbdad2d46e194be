import { createContext, type ReactNode, useContext } from 'react';
import type { ZafClient } from './client.js';

const ZafClientContext = createContext<ZafClient | null>(null);

/**
 * Hands the ZAF client to the components below it, as Zendesk's React scaffold does (zendesk/app_scaffolds,
 * packages/react/src/app/contexts/ClientProvider.jsx). The client is created once by the entry point:
 * components never reach for `window.ZAFClient` themselves.
 */
export function ZafClientProvider({ client, children }: { client: ZafClient; children: ReactNode }) {
  return <ZafClientContext.Provider value={client}>{children}</ZafClientContext.Provider>;
}

/** The ZAF client; throws when used outside a `ZafClientProvider` (a wiring mistake, not a runtime state). */
export function useZafClient(): ZafClient {
  const client = useContext(ZafClientContext);
  if (client === null) throw new Error('useZafClient() must be used inside <ZafClientProvider>.');
  return client;
}
