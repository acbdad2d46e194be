import { useEffect, useRef } from 'react';
import { useHost } from './HostProvider.js';

/**
 * Keeps the helpdesk's iframe as tall as the panel. Where ResizeObserver is missing (old browsers, jsdom) the
 * panel is measured once on mount: the helpdesk's default height then applies afterwards, which scrolls but works.
 */
export function useAutoResize<T extends HTMLElement>() {
  const host = useHost();
  const ref = useRef<T>(null);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const report = () => host.resize(Math.ceil(element.getBoundingClientRect().height));
    if (typeof ResizeObserver === 'undefined') {
      report();
      return;
    }
    const observer = new ResizeObserver(report);
    observer.observe(element);
    return () => observer.disconnect();
  }, [host]);
  return ref;
}
