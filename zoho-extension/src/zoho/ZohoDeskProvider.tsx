import { createContext, type ReactNode, useContext } from 'react';
import type { ZohoApp, ZohoDeskSdk } from './sdk.js';

export interface ZohoDesk {
  sdk: ZohoDeskSdk;
  /** What `ZOHODESK.extension.onload()` resolved with. */
  app: ZohoApp;
}

const ZohoDeskContext = createContext<ZohoDesk | null>(null);

/**
 * Hands Zoho Desk's SDK and the loaded extension to the components below it. The entry point loads them once:
 * components never reach for `window.ZOHODESK` themselves.
 */
export function ZohoDeskProvider({ desk, children }: { desk: ZohoDesk; children: ReactNode }) {
  return <ZohoDeskContext.Provider value={desk}>{children}</ZohoDeskContext.Provider>;
}

/** Zoho Desk's SDK and app; throws when used outside a `ZohoDeskProvider` (a wiring mistake, not a runtime state). */
export function useZohoDesk(): ZohoDesk {
  const desk = useContext(ZohoDeskContext);
  if (desk === null) throw new Error('useZohoDesk() must be used inside <ZohoDeskProvider>.');
  return desk;
}
