// The load generator: runs autocannon in its own thread, so that sending requests and reading answers never
// competes with the servers under test for their event loop. Plain JavaScript: worker threads load it without Vitest.
import http from 'node:http';
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
  if (job.kind === 'get') {
    return (request, index) => {
      request.method = 'GET';
      request.path = job.paths[index % job.paths.length];
      request.headers = job.headers;
      return request;
    };
  }
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
 * A read job (`kind: 'get'`) sends GET requests to `paths` in turn, with `headers` (the installation's token).
 *
 * @param {{ kind?: 'sends' | 'get'; url: string; path: string; first: number; amount: number; connections: number; pipelining: number; probe?: boolean; [field: string]: unknown }} job
 */
async function run(job) {
  const needed = job.first + job.amount + (job.probe ? 1 : 0);
  if (job.kind === undefined && needed > poolSize) throw new Error(`the pool holds ${poolSize} bodies; this job needs ${needed}`);
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

/** A seeded uniform generator in [0, 1) (mulberry32): the same random arrivals every run. */
function uniform(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The span of arrivals each `windowP99Ms` entry covers. */
const windowMs = 5_000;

/** The p99 latency of the requests that arrived in each `windowMs` of the run (answered ones; NaN for none). */
function windowP99(arrivals, latencyByArrival, spanMs) {
  const windows = [];
  for (let start = 0, k = 0; k < arrivals.length; start += spanMs) {
    const inWindow = [];
    for (; k < arrivals.length && arrivals[k] < start + spanMs; k += 1) {
      if (!Number.isNaN(latencyByArrival[k])) inWindow.push(latencyByArrival[k]);
    }
    inWindow.sort((a, b) => a - b);
    windows.push(
      inWindow.length === 0 ? Number.NaN : inWindow[Math.min(inWindow.length - 1, Math.floor(inWindow.length * 0.99))],
    );
  }
  return windows;
}

/**
 * An open-loop load at a fixed rate (`kind: 'rate'`): request k is due at its arrival time whatever happened to the
 * others: evenly spaced (`even`) or a Poisson process (`random`: exponential gaps, seeded). Requests go round-robin to
 * `urls` over at most `connections` keep-alive sockets per URL; one that finds them all busy waits, and its latency
 * counts from its arrival time (no coordinated omission: a server that stalls is charged for every request it delays).
 *
 * @param {{ kind: 'rate'; urls: string[]; path: string; first: number; ratePerSecond: number; durationS: number; arrivals: 'even' | 'random'; connections: number }} job
 */
function runRate(job) {
  const total = Math.round(job.ratePerSecond * job.durationS);
  if (job.first + total > poolSize) throw new Error(`the pool holds ${poolSize} bodies; this job needs ${job.first + total}`);
  const arrivals = new Float64Array(total);
  const next = uniform(job.first + 1);
  for (let k = 0, at = 0; k < total; k += 1) {
    arrivals[k] = job.arrivals === 'even' ? (k * 1000) / job.ratePerSecond : at;
    at += (-Math.log(1 - next()) * 1000) / job.ratePerSecond;
  }
  const targets = job.urls.map((url) => ({
    url: new URL(url),
    agent: new http.Agent({ keepAlive: true, maxSockets: job.connections }),
  }));
  const latencies = new Float64Array(total);
  /** Request k's latency at index k (NaN while unanswered): where in the run the slow answers were. */
  const latencyByArrival = new Float64Array(total).fill(Number.NaN);
  const statuses = /** @type {Record<string, number>} */ ({});
  const errorKinds = /** @type {Record<string, number>} */ ({});
  let answered = 0;
  let finished = 0;
  let errors = 0;
  let non2xx = 0;
  let lastAnswerAt = 0;
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const done = () => {
      finished += 1;
      if (finished < total) return;
      for (const target of targets) target.agent.destroy();
      resolve({
        sent: total,
        answered,
        statuses,
        non2xx,
        errors,
        timeouts: 0,
        errorKinds,
        elapsedMs: lastAnswerAt - startedAt,
        startedAtEpochMs: performance.timeOrigin + startedAt,
        lastAnswerAtEpochMs: performance.timeOrigin + lastAnswerAt,
        latencies: latencies.subarray(0, answered),
        windowP99Ms: windowP99(arrivals, latencyByArrival, windowMs),
      });
    };
    const send = (k) => {
      const index = job.first + k;
      const target = targets[k % targets.length];
      const body = bodies.subarray(pool.offsets[index], pool.offsets[index + 1]);
      const request = http.request(
        {
          agent: target.agent,
          host: target.url.hostname,
          port: target.url.port,
          path: job.path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'x-hub-signature-256': `sha256=${signatures.toString('latin1', index * 64, index * 64 + 64)}`,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            lastAnswerAt = performance.now();
            latencies[answered] = lastAnswerAt - (startedAt + arrivals[k]);
            latencyByArrival[k] = latencies[answered];
            answered += 1;
            statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
            if (response.statusCode < 200 || response.statusCode > 299) non2xx += 1;
            done();
          });
        },
      );
      request.on('error', (error) => {
        errors += 1;
        const kind = error?.code ?? error?.message ?? String(error);
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        done();
      });
      request.end(body);
    };
    let due = 0;
    const tick = () => {
      const now = performance.now() - startedAt;
      while (due < total && arrivals[due] <= now) send(due++);
      if (due < total) setTimeout(tick, Math.max(0, Math.min(arrivals[due] - now, 1)));
    };
    tick();
  });
}

parentPort?.on('message', (job) => {
  (job.kind === 'rate' ? runRate(job) : run(job)).then(
    (result) => parentPort?.postMessage({ ok: true, result }, [result.latencies.buffer]),
    (error) => parentPort?.postMessage({ ok: false, error: String(error?.stack ?? error) }),
  );
});
