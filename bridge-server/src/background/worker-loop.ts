import type { Logger } from 'pino';

export interface WorkerLoopOptions {
  /** For logs: what the loop does. */
  name: string;
  /** How often an idle loop looks for work nobody woke it for (left by a crash, another replica, a retry). */
  pollIntervalMs: number;
  logger: Logger;
  /** Does one unit of work; `idle` when there was none. A throw (database unavailable) counts as idle. */
  step: () => Promise<'idle' | 'busy'>;
  /** Milliseconds to hold off before the next step (0: go on), e.g. to let a burst of requests pass. */
  pauseMs?: () => number;
}

/**
 * A background loop that does one unit of work at a time, and when there is none sleeps until woken or until
 * the poll interval passes. The webhook processor and the outbox worker run on it.
 */
export class WorkerLoop {
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #wakeRequested = false;

  constructor(private readonly options: WorkerLoopOptions) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** There is work now: do it rather than at the next poll. */
  wake(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /** Finishes the step in progress, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /**
   * Steps until there is nothing to do, then waits while `settled` says work is still pending elsewhere (the
   * background loop, another replica); resolves when it is settled. For tests and tools.
   */
  async drain(settled: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.options.step()) !== 'idle') continue;
      if (await settled()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${this.options.name}: work still pending after ${timeoutMs} ms`);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const pauseMs = this.options.pauseMs?.() ?? 0;
      if (pauseMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        continue;
      }
      let outcome: 'idle' | 'busy';
      try {
        outcome = await this.options.step();
      } catch (error) {
        this.options.logger.error({ err: error }, `${this.options.name}: database unavailable`);
        outcome = 'idle';
      }
      if (outcome === 'idle' && this.#running) await this.#sleep();
      // One turn of the event loop per step, so that requests get in between steps whatever the step awaited. (When
      // PGlite ran on this thread its queries never returned to the event loop, and draining a backlog froze HTTP
      // for 16 s after a burst.)
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #sleep(): Promise<void> {
    if (this.#wakeRequested) {
      this.#wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      this.#wake = done;
    });
  }
}

/**
 * A background job on a WorkerLoop, with what every job shares: start, wake, stop, and a drain for tests and
 * tools that waits until nothing is due and no step is in flight, whether the loop or a caller runs it.
 */
export abstract class BackgroundWorker {
  readonly #loop: WorkerLoop;
  #stepsInFlight = 0;

  constructor(options: Omit<WorkerLoopOptions, 'step' | 'pauseMs'>) {
    this.#loop = new WorkerLoop({
      ...options,
      step: () => this.counted(() => this.step()),
      pauseMs: () => this.pauseMs(),
    });
  }

  /** One unit of work; `idle` when there was none. */
  protected abstract step(): Promise<'idle' | 'busy'>;

  /** Milliseconds to hold off before the next step (0: go on), e.g. to let a burst of requests pass. */
  protected pauseMs(): number {
    return 0;
  }

  /** Whether nothing is due now, for `drain` (rows another process holds are its business). */
  protected async nothingDue(): Promise<boolean> {
    return true;
  }

  /** Runs a unit of work counted as in flight, so that `drain` waits for it. */
  protected async counted<T>(work: () => Promise<T>): Promise<T> {
    this.#stepsInFlight += 1;
    try {
      return await work();
    } finally {
      this.#stepsInFlight -= 1;
    }
  }

  start(): void {
    this.#loop.start();
  }

  /** There may be work now: look rather than wait for the next poll. */
  wake(): void {
    this.#loop.wake();
  }

  /** Finishes the step in progress, then stops. `start` runs it again. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** Resolves once nothing is due and no step is in flight in this process. For tests and tools. */
  async drain(timeoutMs = 10_000): Promise<void> {
    await this.#loop.drain(async () => this.#stepsInFlight === 0 && (await this.nothingDue()), timeoutMs);
  }
}
