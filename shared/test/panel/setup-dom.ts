import { configure } from '@testing-library/react';

/*
 * What jsdom lacks and a browser has. Imported first by every panel test file (the Vitest config is shared, so the
 * panel project has no setup file of its own): Garden's theming reads `matchMedia` when its module loads.
 */
if (typeof window.matchMedia !== 'function') {
  window.matchMedia = (query: string): MediaQueryList =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// findBy… and waitFor wait by condition; their default one-second deadline fails a correct panel on a busy machine.
configure({ asyncUtilTimeout: 10_000 });
