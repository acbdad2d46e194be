import { act } from '@testing-library/react';
import type { Clock } from '../../src/panel/index.js';

/** A clock that moves only when the test says, firing the panel's timers in order as time passes. */
export class ManualClock implements Clock {
  private timers = new Map<number, { intervalMs: number; nextAt: number; callback: () => void }>();
  private nextId = 1;

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  every(intervalMs: number, callback: () => void): () => void {
    const id = this.nextId++;
    this.timers.set(id, { intervalMs, nextAt: this.current + intervalMs, callback });
    return () => this.timers.delete(id);
  }

  get timerCount(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing every timer that comes due, each inside `act` so React renders it. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((timer) => timer.nextAt <= target).sort((a, b) => a.nextAt - b.nextAt)[0];
      if (due === undefined) break;
      this.current = due.nextAt;
      due.nextAt += due.intervalMs;
      await act(async () => due.callback());
    }
    this.current = target;
    await act(async () => undefined);
  }
}
