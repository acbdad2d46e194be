import { createRequire } from 'node:module';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LoadResult } from './load.js';

/** One run of `POST /v1/messages`: request `first + k` goes to customer `(first + k) % customers`, key `${keyPrefix}-${first + k}`. */
export interface SendJob {
  url: string;
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

// The worker thread's code. Plain JavaScript evaluated in the worker (worker threads load no TypeScript without
// Vitest); autocannon is imported from the path this module resolves. Latencies are kept one by one, as in
// load-worker.mjs (autocannon's histogram rounds to whole milliseconds).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');

async function run(job) {
  const { default: autocannon } = await import(workerData.autocannonUrl);
  let next = job.first;
  const latencies = new Float64Array(job.amount);
  const statuses = {};
  let answered = 0;
  let lastAnswerAt = 0;
  const startedAt = performance.now();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    amount: job.amount,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/messages',
        setupRequest(request) {
          const index = next++;
          const phone = job.phonePrefix + String(job.phoneBase + (index % job.customers));
          request.body = JSON.stringify({ to: phone, text: { body: 'Benchmark reply ' + index + ': your parcel is on its way.' } });
          request.headers = {
            authorization: 'Bearer ' + job.token,
            'content-type': 'application/json',
            'idempotency-key': job.keyPrefix + '-' + index,
          };
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (answered < latencies.length) latencies[answered] = responseTime;
    answered += 1;
    statuses[statusCode] = (statuses[statusCode] || 0) + 1;
    lastAnswerAt = performance.now();
  });
  const result = await instance;
  return {
    sent: next - job.first,
    answered,
    statuses,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedMs: lastAnswerAt - startedAt,
    latencies: latencies.subarray(0, Math.min(answered, latencies.length)),
  };
}

parentPort.on('message', (job) => {
  run(job).then(
    (result) => parentPort.postMessage({ ok: true, result }, [result.latencies.buffer]),
    (error) => parentPort.postMessage({ ok: false, error: String((error && error.stack) || error) }),
  );
});
`;

/** autocannon in a worker thread, so that the load never competes with the bridge and the sandbox for their thread. */
export class SendLoadGenerator {
  readonly #worker: Worker;

  constructor() {
    const autocannonUrl = pathToFileURL(createRequire(import.meta.url).resolve('autocannon')).href;
    this.#worker = new Worker(workerSource, { eval: true, workerData: { autocannonUrl } });
  }

  run(job: SendJob): Promise<LoadResult> {
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

  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization {
    return since ? this.#worker.performance.eventLoopUtilization(since) : this.#worker.performance.eventLoopUtilization();
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
