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
