import { useCallback, useEffect, useRef, useState } from 'react';
import { useHost } from '../HostProvider.js';

/**
 * A value the host's storage remembers for this installation (`HelpdeskHost.storage`): `initial` until the stored
 * one is read, then the stored one; every change is written back. Without storage it lives as long as the page.
 * Values are JSON; an unreadable stored value counts as none.
 */
export function usePersistentState<T>(key: string, initial: T): [T, (value: T) => void] {
  const { storage } = useHost();
  const [value, setValue] = useState<T>(initial);
  // Set once the agent changes it: a stored value read later must not undo their choice.
  const touched = useRef(false);
  useEffect(() => {
    if (storage === undefined) return;
    let current = true;
    storage.get(key).then(
      (stored) => {
        if (!current || stored === null) return;
        try {
          const parsed = JSON.parse(stored) as T;
          if (!touched.current) setValue(parsed);
        } catch {
          // Not ours, or from an older panel: keep the initial value.
        }
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [storage, key]);
  const change = useCallback(
    (next: T) => {
      touched.current = true;
      setValue(next);
      storage?.set(key, JSON.stringify(next)).catch(() => undefined);
    },
    [storage, key],
  );
  return [value, change];
}
