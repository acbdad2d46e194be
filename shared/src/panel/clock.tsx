import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

/**
 * Time as the panel sees it. The real clock is `Date.now` and `setInterval`; tests pass a manual one so a
 * countdown or a poll moves exactly when they say, without faking the timers Testing Library relies on.
 */
export interface Clock {
  now(): number;
  /** Calls `callback` every `intervalMs`; returns a function that stops it. */
  every(intervalMs: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every: (intervalMs, callback) => {
    const timer = setInterval(callback, intervalMs);
    return () => clearInterval(timer);
  },
};

const ClockContext = createContext<Clock | null>(null);

export function ClockProvider({ clock, children }: { clock: Clock; children: ReactNode }) {
  return <ClockContext.Provider value={clock}>{children}</ClockContext.Provider>;
}

export function useClock(): Clock {
  const clock = useContext(ClockContext);
  if (clock === null) throw new Error('useClock() must be used inside <ClockProvider>.');
  return clock;
}

/** The current time in ms, re-rendering every second: what a live countdown needs. */
export function useNow(tickMs = 1000): number {
  const clock = useClock();
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => clock.every(tickMs, () => setNow(clock.now())), [clock, tickMs]);
  return now;
}
