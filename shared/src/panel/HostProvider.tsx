import { createContext, type ReactNode, useContext } from 'react';
import type { HelpdeskHost } from './host.js';

const HostContext = createContext<HelpdeskHost | null>(null);

/** Hands the helpdesk adapter to the panel; components reach the helpdesk only through `useHost()`. */
export function HostProvider({ host, children }: { host: HelpdeskHost; children: ReactNode }) {
  return <HostContext.Provider value={host}>{children}</HostContext.Provider>;
}

export function useHost(): HelpdeskHost {
  const host = useContext(HostContext);
  if (host === null) throw new Error('useHost() must be used inside <HostProvider>.');
  return host;
}
