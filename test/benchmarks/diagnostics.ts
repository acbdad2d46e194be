import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readWebhookFrame } from '@wabridge/shared';
import { secretContext } from '../../bridge-server/src/deployments/store.js';
import { SecretBox } from '../../bridge-server/src/security/secret-box.js';
import type { RunningBridge } from '../../bridge-server/src/server.js';
import { isValidMetaSignature } from '../../bridge-server/src/webhooks/signature.js';
import { type BodyPool, poolBody } from './webhook-bodies.js';

// ---------------------------------------------------------------------------------------------------
// One request, step by step

export interface StepCost {
  step: string;
  /** Mean per call (per row for batched INSERTs), calls made one after another: no concurrency, no HTTP. */
  microseconds: number;
  /** Part of every request under load (the rest happens once in a while: a cache miss, a lone webhook). */
  perRequest: boolean;
}

/** Rows per INSERT when timing the group commit: about what 16 concurrent connections gather in one write. */
export const groupCommitRows = 16;

/**
 * What one webhook request costs, step by step, timed in isolation on the bridge's own database and functions: the
 * steps of POST /v1/webhooks/meta/{deployment_id} in bridge-server/src/webhooks/ingress.ts, receiver.ts and inbox.ts (the app
 * secret kept 10 s in memory; concurrent webhooks written together, one INSERT and one commit per batch). The SQL
 * mirrors theirs. Stops the processor first (it would compete for the database); call it after the load.
 */
export async function stepCosts(
  bridge: { running: RunningBridge; deploymentId: string },
  pool: BodyPool,
  range: { first: number; count: number },
  appSecret: string,
): Promise<StepCost[]> {
  await bridge.running.processor.stop();
  const { db } = bridge.running.database;
  const { journal } = bridge.running;
  const { deploymentId } = bridge;
  const box = new SecretBox(randomBytes(32).toString('hex'));
  const context = secretContext(deploymentId, 'app_secret');
  const sealed = box.seal(appSecret, context);
  const bodies = Array.from({ length: range.count }, (_, k) => poolBody(pool, range.first + k));
  const signatures = bodies.map((body) => `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`);
  const parsed = bodies.map((body) => JSON.parse(body.toString('utf8')) as unknown);
  // Distinct from the digests already stored (and from each other), so that every INSERT stores its rows, as under load.
  const row = (index: number, salt: string) => ({
    deployment_id: deploymentId,
    body: bodies[index % bodies.length]!,
    body_sha256: createHash('sha256')
      .update(bodies[index % bodies.length]!)
      .update(`${salt}${index}`)
      .digest('hex'),
  });
  const insert = (rows: ReturnType<typeof row>[]) =>
    db
      .insertInto('webhook_events')
      .values(rows)
      .onConflict((conflict) => conflict.columns(['deployment_id', 'body_sha256']).doNothing())
      .execute();
  const steps: { step: string; perRequest: boolean; rowsPerCall?: number; run: (index: number) => unknown }[] = [
    {
      step: 'app secret on a cache miss: SELECT the deployment, AES-256-GCM open (once per 10 s)',
      perRequest: false,
      run: async () => {
        const deployment = await db
          .selectFrom('deployments')
          .select(['id', 'app_secret_sealed', 'verify_token_sealed'])
          .where('id', '=', deploymentId)
          .executeTakeFirstOrThrow();
        return [deployment, box.open(sealed, context)];
      },
    },
    {
      step: 'signature: HMAC-SHA256, timingSafeEqual',
      perRequest: true,
      run: (index) => isValidMetaSignature(bodies[index]!, signatures[index], appSecret),
    },
    { step: 'JSON.parse', perRequest: true, run: (index) => JSON.parse(bodies[index]!.toString('utf8')) },
    { step: 'frame and numbers: readWebhookFrame (zod)', perRequest: true, run: (index) => readWebhookFrame(parsed[index]) },
    {
      step: 'body SHA-256',
      perRequest: true,
      run: (index) => createHash('sha256').update(bodies[index]!).digest('hex'),
    },
    {
      step: 'INSERT webhook_events, 1 row, commit (a lone webhook)',
      perRequest: false,
      run: (index) => insert([row(index, 'one')]),
    },
    {
      step: `INSERT webhook_events, ${groupCommitRows} rows, one commit (group commit), per row`,
      // With a journal, the processor moves rows in later, off the request's path.
      perRequest: journal === undefined,
      rowsPerCall: groupCommitRows,
      run: (index) => insert(Array.from({ length: groupCommitRows }, (_, k) => row(index * groupCommitRows + k, 'batch'))),
    },
  ];
  if (journal !== undefined) {
    // What on-disk PGlite does instead of the INSERT before answering (the processor moves the rows later).
    steps.push({
      step: `journal append, ${groupCommitRows} records, one write (group commit), per record`,
      perRequest: true,
      rowsPerCall: groupCommitRows,
      run: (index) =>
        Promise.all(
          Array.from({ length: groupCommitRows }, (_, k) =>
            journal.append({ ...row(index * groupCommitRows + k, 'journal'), received_at: new Date() }),
          ),
        ),
    });
  }
  const costs: StepCost[] = [];
  for (const { step, perRequest, rowsPerCall = 1, run } of steps) {
    const calls = Math.max(10, Math.floor(range.count / rowsPerCall));
    const warmup = Math.floor(calls / 5);
    for (let index = 0; index < warmup; index += 1) await run(index);
    const startedAt = performance.now();
    for (let index = warmup; index < calls; index += 1) await run(index);
    costs.push({ step, perRequest, microseconds: ((performance.now() - startedAt) * 1000) / ((calls - warmup) * rowsPerCall) });
  }
  return costs;
}

// ---------------------------------------------------------------------------------------------------
// Machine CPU (Linux): PostgreSQL's processes and the kernel's network work do not show in this process's figures

interface CpuTimes {
  /** user + nice + system: time charged to processes. */
  tasks: number;
  /** tasks + interrupts (the kernel's loopback network work shows up as softirq). */
  busy: number;
  total: number;
}

function machineCpuTimes(): CpuTimes | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0] = fields;
    const total = fields.reduce((sum, value) => sum + value, 0);
    return { tasks: user + nice + system, busy: total - idle - iowait, total };
  } catch {
    return undefined;
  }
}

export interface CpuShares {
  /** Share of all the machine's CPUs that were busy, interrupts included (undefined off Linux). */
  machine: number | undefined;
  /** Share of all the machine's CPUs that this process used (server thread, load generator, Node's helper threads). */
  process: number;
  /** Share of all the machine's CPUs used by other processes (PostgreSQL's among them); undefined off Linux. */
  others: number | undefined;
}

/** Starts measuring CPU use; the returned function gives the shares since then. */
export function cpuShares(): () => CpuShares {
  const machineBefore = machineCpuTimes();
  const processBefore = process.cpuUsage();
  const startedAt = performance.now();
  return () => {
    const machineAfter = machineCpuTimes();
    const used = process.cpuUsage(processBefore);
    const share = (used.user + used.system) / ((performance.now() - startedAt) * 1000) / cpus().length;
    if (machineBefore === undefined || machineAfter === undefined || machineAfter.total === machineBefore.total) {
      return { machine: undefined, process: share, others: undefined };
    }
    const total = machineAfter.total - machineBefore.total;
    return {
      machine: (machineAfter.busy - machineBefore.busy) / total,
      process: share,
      others: Math.max(0, (machineAfter.tasks - machineBefore.tasks) / total - share),
    };
  };
}

// ---------------------------------------------------------------------------------------------------
// CPU profiles of the server thread (BENCH_CPU_PROFILE=directory)

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Starts V8's sampling profiler on this thread; the returned function stops it and writes `<name>.cpuprofile`. */
export async function startCpuProfile(directory: string): Promise<(name: string) => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    session.disconnect();
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, `${name}.cpuprofile`), JSON.stringify(profile));
    return profile;
  };
}

/** Where a sampled function comes from, coarsely: enough to say which layer the time goes to. */
function layerOf({ functionName, url }: ProfileNode['callFrame']): string {
  if (url === '') {
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') return functionName;
    return 'native (C++: crypto, buffers, fs, http parser…)';
  }
  if (url.startsWith('wasm://') || url.includes('@electric-sql/pglite')) return 'PGlite (WASM PostgreSQL and its JS)';
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (packageName !== undefined) {
    if (['express', 'router', 'body-parser', 'raw-body', 'path-to-regexp', 'finalhandler', 'type-is'].includes(packageName)) {
      return 'Express (router, body parsing)';
    }
    if (packageName.startsWith('pino')) return 'pino (logging)';
    return packageName;
  }
  if (url.startsWith('node:'))
    return /node:(_http|http|net|stream|internal\/(http|streams|net))/.test(url) ? 'Node http/net/streams' : 'Node other';
  if (url.includes('/shared/src/')) return '@wabridge/shared';
  const bridgeFile = /\/bridge-server\/src\/(.+)$/.exec(url)?.[1];
  if (bridgeFile !== undefined) return `bridge-server/src/${bridgeFile.split('/')[0]}`;
  return url;
}

/** Self time by layer, largest first, as shares of the profile. */
export function profileLayers(profile: CpuProfile): { layer: string; share: number }[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byLayer = new Map<string, number>();
  let total = 0;
  for (const [index, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[index] ?? 0;
    const node = nodes.get(id);
    if (node === undefined) continue;
    const layer = layerOf(node.callFrame);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + delta);
    total += delta;
  }
  return [...byLayer].map(([layer, time]) => ({ layer, share: time / total })).sort((a, b) => b.share - a.share);
}
