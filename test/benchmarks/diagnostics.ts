import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseWebhook } from '@wabridge/shared';
import { secretContext } from '../../bridge-server/src/deployments/store.js';
import { SecretBox } from '../../bridge-server/src/security/secret-box.js';
import type { RunningBridge } from '../../bridge-server/src/server.js';
import { isValidMetaSignature } from '../../bridge-server/src/webhooks/signature.js';
import { type BodyPool, poolBody } from './webhook-bodies.js';

// ---------------------------------------------------------------------------------------------------
// One request, step by step

export interface StepCost {
  step: string;
  /** Mean per call, calls made one after another (no concurrency, no HTTP). */
  microseconds: number;
}

/**
 * What one webhook request costs, step by step, timed in isolation on the bridge's own database and functions: the
 * steps of POST /v1/webhooks/meta/{deployment_id} (bridge-server/src/webhooks/router.ts) in order. The two queries
 * mirror the router's. Stops the processor first (it would compete for the database); call it after the load.
 */
export async function stepCosts(
  bridge: { running: RunningBridge; deploymentId: string },
  pool: BodyPool,
  range: { first: number; count: number },
  appSecret: string,
): Promise<StepCost[]> {
  await bridge.running.processor.stop();
  const { db } = bridge.running.database;
  const { deploymentId } = bridge;
  const box = new SecretBox(randomBytes(32).toString('hex'));
  const context = secretContext(deploymentId, 'app_secret');
  const sealed = box.seal(appSecret, context);
  const bodies = Array.from({ length: range.count }, (_, k) => poolBody(pool, range.first + k));
  const signatures = bodies.map((body) => `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`);
  const parsed = bodies.map((body) => JSON.parse(body.toString('utf8')) as unknown);
  // Distinct from the digests already stored, so that every INSERT stores a row, as under load.
  const digests = bodies.map((body) => createHash('sha256').update(body).update('step costs').digest('hex'));
  const steps: [string, (index: number) => unknown][] = [
    [
      'deployment lookup (SELECT by id)',
      () =>
        db
          .selectFrom('deployments')
          .select(['id', 'app_secret_sealed', 'verify_token_sealed'])
          .where('id', '=', deploymentId)
          .executeTakeFirst(),
    ],
    ['app secret: AES-256-GCM open', () => box.open(sealed, context)],
    ['signature: HMAC-SHA256, timingSafeEqual', (index) => isValidMetaSignature(bodies[index]!, signatures[index], appSecret)],
    ['JSON.parse', (index) => JSON.parse(bodies[index]!.toString('utf8'))],
    ['envelope: parseWebhook (zod)', (index) => parseWebhook(parsed[index])],
    ['body SHA-256', (index) => createHash('sha256').update(bodies[index]!).digest('hex')],
    [
      'INSERT webhook_events … ON CONFLICT DO NOTHING',
      (index) =>
        db
          .insertInto('webhook_events')
          .values({ deployment_id: deploymentId, body: bodies[index]!, body_sha256: digests[index]! })
          .onConflict((conflict) => conflict.columns(['deployment_id', 'body_sha256']).doNothing())
          .execute(),
    ],
  ];
  const costs: StepCost[] = [];
  const warmup = Math.floor(range.count / 5);
  for (const [step, run] of steps) {
    for (let index = 0; index < warmup; index += 1) await run(index);
    const startedAt = performance.now();
    for (let index = warmup; index < range.count; index += 1) await run(index);
    costs.push({ step, microseconds: ((performance.now() - startedAt) * 1000) / (range.count - warmup) });
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
    if (packageName.startsWith('pino')) return 'pino, pino-http (request logging)';
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
