import type { PanelStorage } from './host.js';

/**
 * `PanelStorage` on the browser's localStorage, every key under `wabridge:<scope>:` where `scope` names the
 * installation (it may take a call to the helpdesk to know, hence a promise). A browser that refuses storage
 * (private mode, a blocked third-party iframe) remembers nothing, without failing the panel.
 */
export function localPanelStorage(scope: () => Promise<string>): PanelStorage {
  let prefix: Promise<string> | undefined;
  const keyOf = async (key: string) => {
    prefix ??= scope().then((name) => `wabridge:${name}:`);
    return `${await prefix}${key}`;
  };
  return {
    async get(key) {
      const stored = await keyOf(key);
      try {
        return globalThis.localStorage?.getItem(stored) ?? null;
      } catch {
        return null;
      }
    },
    async set(key, value) {
      const stored = await keyOf(key);
      try {
        globalThis.localStorage?.setItem(stored, value);
      } catch {
        // Full or refused: the choice lasts as long as the page.
      }
    },
  };
}
