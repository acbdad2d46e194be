import { useCallback, useEffect, useRef, useState } from 'react';
import { type BridgeError, bridgeErrorOf } from '../api.js';

export type Resource<T> =
  | { state: 'loading'; reload: () => void }
  | { state: 'ready'; data: T; reload: () => void }
  | { state: 'error'; error: BridgeError; reload: () => void };

type ResourceResult<T> = { state: 'loading' } | { state: 'ready'; data: T } | { state: 'error'; error: BridgeError };

/**
 * Loads `load()` now, again whenever `key` changes or `reload()` is called. An answer that arrives after a newer
 * request was made is dropped, so a slow answer for the previous ticket never overwrites the current one.
 * A reload keeps showing the data it has (no skeleton flash on a poll); the first load shows `loading`.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [current, setCurrent] = useState<{ key: string | null; result: ResourceResult<T> }>({
    key,
    result: { state: 'loading' },
  });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => mine === generation.current && setCurrent({ key, result: { state: 'ready', data } }),
      (thrown: unknown) =>
        mine === generation.current && setCurrent({ key, result: { state: 'error', error: bridgeErrorOf(thrown) } }),
    );
  }, [key]);

  useEffect(() => {
    if (key === null) return;
    run();
    return () => {
      generation.current++;
    };
  }, [key, run]);

  const reload = useCallback(() => {
    setCurrent((previous): typeof previous =>
      previous.result.state === 'error' ? { key, result: { state: 'loading' } } : previous,
    );
    run();
  }, [key, run]);

  const result: ResourceResult<T> = current.key === key ? current.result : { state: 'loading' };
  return { ...result, reload };
}
