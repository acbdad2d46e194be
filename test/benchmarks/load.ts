import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { BodyPool } from './webhook-bodies.js';

/** Webhook bodies from the pool, signed. */
export interface LoadJob {
  kind?: undefined;
  url: string;
  path: string;
  /** Index of the first pool body this job sends. */
  first: number;
  amount: number;
  connections: number;
  pipelining: number;
  /** One more request right after the last answer, alone (the next body): see load-worker.mjs. */
  probe?: boolean;
}

/**
 * One run of `POST /v1/messages` (load-worker.mjs builds each body): request `first + k` goes to
 * customer `(first + k) % customers`, key `${keyPrefix}-${first + k}`.
 */
export interface SendJob {
  kind: 'sends';
  url: string;
  path: '/v1/messages';
  pipelining: 1;
  token: string;
  keyPrefix: string;
  /** Customer k's phone is `${phonePrefix}${phoneBase + k}`. */
  phonePrefix: string;
  phoneBase: number;
  customers: number;
  first: number;
  amount: number;
  connections: number;
}

/** GET requests to `paths` in turn (the hot path's reads), each with `headers`: see load-worker.mjs. */
export interface GetJob {
  kind: 'get';
  url: string;
  path: string;
  paths: string[];
  headers: Record<string, string>;
  first: number;
  amount: number;
  connections: number;
  pipelining: number;
}

/** Webhook bodies from the pool at a fixed rate, open loop, round-robin over `urls`: see load-worker.mjs. */
export interface RateJob {
  kind: 'rate';
  urls: string[];
  path: string;
  first: number;
  ratePerSecond: number;
  durationS: number;
  arrivals: 'even' | 'random';
  /** Keep-alive sockets per URL at most. */
  connections: number;
}

export interface LoadResult {
  sent: number;
  answered: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Failed requests by error code (ECONNRESET…). */
  errorKinds: Record<string, number>;
  /** From the first request to the last answer. */
  elapsedMs: number;
  /** The same instants as wall-clock time (ms since the epoch), to compare with the database's timestamps. */
  startedAtEpochMs: number;
  lastAnswerAtEpochMs: number;
  /** The request sent alone right after the load (`probe` jobs); status 0 when it failed. Not in the other figures. */
  probe?: { index: number; status: number; latencyMs: number; error?: string };
  /** One entry per answer, in milliseconds. */
  latencies: Float64Array;
  /** Rate jobs: the p99 latency of the requests that arrived in each 5 s of the run, in milliseconds. */
  windowP99Ms?: number[];
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Runs autocannon in a worker thread (load-worker.mjs), so that the load never competes with the servers under test
 * for their thread: webhook jobs over the pool's bodies shared with it, send jobs over bodies it builds.
 */
export class LoadGenerator {
  readonly #worker: Worker;

  constructor(pool?: BodyPool) {
    this.#worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
      workerData: { pool: pool && { bytes: pool.bytes, offsets: pool.offsets, signatures: pool.signatures } },
    });
  }

  run(job: LoadJob | SendJob | RateJob | GetJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        this.#worker.off('message', onMessage);
        reject(error);
      };
      const onMessage = (message: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
        this.#worker.off('error', onError);
        if (message.ok) resolve(message.result);
        else reject(new Error(`load generator: ${message.error}`));
      };
      this.#worker.once('message', onMessage);
      this.#worker.once('error', onError);
      this.#worker.postMessage(job);
    });
  }

  /** The worker thread's event-loop utilisation (pass an earlier reading to get the utilisation since then). */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization {
    return since ? this.#worker.performance.eventLoopUtilization(since) : this.#worker.performance.eventLoopUtilization();
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** Exact percentiles (nearest rank) of every recorded latency. */
export function summarize(latencies: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] ?? Number.NaN;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN, mean };
}
