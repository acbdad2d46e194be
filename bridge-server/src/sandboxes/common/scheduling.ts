import type { Logger } from 'pino';

/** Runs `work` after everything queued on `owner`, so pulls and imports of one account never interleave. */
export function inQueue<T>(owner: { queue: Promise<unknown> }, work: () => Promise<T>): Promise<T> {
  const result = owner.queue.then(work, work);
  owner.queue = result.catch(() => undefined);
  return result;
}

/**
 * The helpdesk's polling of its integrations: a round every `intervalMs()`, re-armed after each round. Its timer is
 * not pending work (a sandbox's `idle()` waits for pulls in flight, not for the next round).
 */
export class PeriodicPull {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: () => number,
    private readonly round: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** (Re)starts the timer with the current interval; an interval of 0 leaves it off. */
  restart(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const intervalMs = this.intervalMs();
    if (this.stopped || intervalMs === 0) return;
    this.timer = setTimeout(() => {
      void this.round()
        .catch((error: unknown) => this.logger.error({ err: error }, 'pull round failed'))
        .finally(() => this.restart());
    }, intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
