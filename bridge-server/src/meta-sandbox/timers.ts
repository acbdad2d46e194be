/**
 * Every delayed or in-flight piece of work of the sandbox (status emissions, batched flushes, webhook
 * attempts and their retries), so that `close()` can cancel all of it and tests can wait until the sandbox
 * is quiet instead of sleeping.
 */
export class Timers {
  private readonly handles = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private closed = false;

  /** Runs `work` after `delayMs`; errors are handed to `onError` so one failure cannot stop the sandbox. */
  after(delayMs: number, work: () => void | Promise<void>, onError: (error: unknown) => void): void {
    if (this.closed) return;
    const handle = setTimeout(() => {
      this.handles.delete(handle);
      void this.track(Promise.resolve().then(work)).catch(onError);
    }, delayMs);
    this.handles.add(handle);
  }

  /** Counts a promise as pending work until it settles. */
  async track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await promise;
    } finally {
      this.inFlight -= 1;
    }
  }

  get pendingCount(): number {
    return this.handles.size + this.inFlight;
  }

  /** Resolves once nothing is scheduled or in flight; rejects after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Polling every 5 ms is cheap next to webhook POSTs and keeps waits in tests short.
    while (this.pendingCount > 0) {
      if (Date.now() > deadline) throw new Error(`sandbox still busy after ${timeoutMs} ms (${this.pendingCount} pending)`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  cancelAll(): void {
    this.closed = true;
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }
}
