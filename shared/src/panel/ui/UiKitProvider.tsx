import { createContext, type ReactNode, useContext } from 'react';
import type { UiKit } from './kit.js';

const UiKitContext = createContext<UiKit | null>(null);

/** Hands the design system to the panel; components draw only with what `useUiKit()` returns. */
export function UiKitProvider({ kit, children }: { kit: UiKit; children: ReactNode }) {
  return (
    <UiKitContext.Provider value={kit}>
      <kit.Root>{children}</kit.Root>
    </UiKitContext.Provider>
  );
}

export function useUiKit(): UiKit {
  const kit = useContext(UiKitContext);
  if (kit === null) throw new Error('useUiKit() must be used inside <UiKitProvider>.');
  return kit;
}
