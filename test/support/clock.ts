import type { Clock } from '../../bridge-server/src/clock.js';

/** A clock that stands still until the test sets or advances it: the bridge's domain decisions happen at a known time. */
export class TestClock implements Clock {
  #nowMs: number;

  constructor(at: Date | string) {
    this.#nowMs = new Date(at).getTime();
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  set(at: Date | string): void {
    this.#nowMs = new Date(at).getTime();
  }

  advance(milliseconds: number): void {
    this.#nowMs += milliseconds;
  }

  /** `milliseconds` before (negative: after) the clock's time, for timestamps of things that happened earlier. */
  ago(milliseconds: number): Date {
    return new Date(this.#nowMs - milliseconds);
  }
}
