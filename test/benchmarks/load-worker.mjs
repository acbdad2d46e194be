// The load generator: runs autocannon in its own thread, so that sending requests and reading answers never
// competes with the servers under test for their event loop. Plain JavaScript: worker threads load it without Vitest.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

/** Signed webhook bodies (webhook jobs); absent for send jobs, which build their bodies. */
/** @type {{ bytes: Uint8Array; offsets: Uint32Array; signatures: Uint8Array } | undefined} */
const pool = workerData?.pool;
const bodies = pool && Buffer.from(pool.bytes.buffer, pool.bytes.byteOffset, pool.bytes.byteLength);
const signatures = pool && Buffer.from(pool.signatures.buffer, pool.signatures.byteOffset, pool.signatures.byteLength);
const poolSize = pool ? pool.offsets.length - 1 : 0;

/**
 * What request `index` of a job is. A webhook job posts pool body `index`, signed; a send job (`kind: 'sends'`)
 * posts a free-form reply to customer `index % customers` with its own Idempotency-Key (see sends-load.ts).
 */
function setupRequestFor(job) {
  if (job.kind === 'sends') {
    return (request, index) => {
      const phone = job.phonePrefix + String(job.phoneBase + (index % job.customers));
      request.body = JSON.stringify({ to: phone, text: { body: `Benchmark reply ${index}: your parcel is on its way.` } });
      request.headers = {
        authorization: `Bearer ${job.token}`,
        'content-type': 'application/json',
        'idempotency-key': `${job.keyPrefix}-${index}`,
      };
      return request;
    };
  }
  return (request, index) => {
    if (index >= poolSize) throw new Error('body pool exhausted');
    request.body = bodies.subarray(pool.offsets[index], pool.offsets[index + 1]);
    request.headers = {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${signatures.toString('latin1', index * 64, index * 64 + 64)}`,
    };
    return request;
  };
}

/**
 * One job: send `amount` requests over `connections` keep-alive connections, body `first`, `first + 1`, … (each body
 * once), and wait for every answer. Latencies are kept one by one (autocannon's histogram rounds to whole milliseconds).
 *
 * With `probe`, one more request (the next body) goes out as soon as the last answer is in, alone: how long a webhook
 * that arrives right after a burst waits (on PGlite, while the processor catches up on this burst's backlog).
 *
 * @param {{ kind?: 'sends'; url: string; path: string; first: number; amount: number; connections: number; pipelining: number; probe?: boolean; [field: string]: unknown }} job
 */
async function run(job) {
  const needed = job.first + job.amount + (job.probe ? 1 : 0);
  if (job.kind !== 'sends' && needed > poolSize) throw new Error(`the pool holds ${poolSize} bodies; this job needs ${needed}`);
  const setupRequest = setupRequestFor(job);
  let next = job.first;
  const latencies = new Float64Array(job.amount);
  const statuses = /** @type {Record<string, number>} */ ({});
  let answered = 0;
  let lastAnswerAt = 0;
  const startedAt = performance.now();
  // Wall-clock instants (ms since the epoch, sub-millisecond), comparable with the other thread's and the database's.
  const epoch = (instant) => performance.timeOrigin + instant;
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    pipelining: job.pipelining,
    amount: job.amount,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: job.path,
        setupRequest: (request) => setupRequest(request, next++),
      },
    ],
  });
  const errorKinds = /** @type {Record<string, number>} */ ({});
  instance.on('reqError', (error) => {
    const kind = error?.code ?? error?.message ?? String(error);
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (answered < latencies.length) latencies[answered] = responseTime;
    answered += 1;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    lastAnswerAt = performance.now();
  });
  // autocannon without a callback returns an EventEmitter that is also a promise of the result.
  const result = await instance;
  const sent = next - job.first;
  return {
    sent,
    probe: job.probe ? await probe(job, job.first + sent) : undefined,
    answered,
    statuses,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    errorKinds,
    elapsedMs: lastAnswerAt - startedAt,
    startedAtEpochMs: epoch(startedAt),
    lastAnswerAtEpochMs: epoch(lastAnswerAt),
    latencies: latencies.subarray(0, Math.min(answered, latencies.length)),
  };
}

/** One request with body `index`, alone; its status and latency (status 0: the request failed). */
async function probe(job, index) {
  const startedAt = performance.now();
  try {
    const response = await fetch(`${job.url}${job.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${signatures.toString('latin1', index * 64, index * 64 + 64)}`,
      },
      // A copy: fetch takes no view of shared memory.
      body: new Uint8Array(bodies.subarray(pool.offsets[index], pool.offsets[index + 1])),
      signal: AbortSignal.timeout(120_000),
    });
    await response.arrayBuffer();
    return { index, status: response.status, latencyMs: performance.now() - startedAt };
  } catch (error) {
    return { index, status: 0, latencyMs: performance.now() - startedAt, error: String(error?.cause?.code ?? error) };
  }
}

parentPort?.on('message', (job) => {
  run(job).then(
    (result) => parentPort?.postMessage({ ok: true, result }, [result.latencies.buffer]),
    (error) => parentPort?.postMessage({ ok: false, error: String(error?.stack ?? error) }),
  );
});
