import { spawn } from 'node:child_process';
import { reservePort } from './free-port.js';
import { type RunningScript, repositoryRoot, runScript, waitForOutput } from './processes.js';
import { waitFor } from './wait-for.js';

/** Builds the workspace once (`npm run build`), as `npm run bridge` does before it starts the bridge. */
export async function buildWorkspace(): Promise<void> {
  const build = runScript('build', {});
  const exit = await build.exited;
  if (exit !== 0) throw new Error(`npm run build failed (${exit}):\n${build.output()}`);
}

export interface KillableBridge extends RunningScript {
  url: string;
}

/**
 * Starts the built bridge the way `npm run bridge` ends, `node bridge-server/dist/index.js`, but as this test's
 * own child: npm would stand between the test and the bridge, and a SIGKILL sent to npm never reaches its
 * child. Resolves once the bridge logs "bridge listening".
 */
export async function startKillableBridge(environment: Record<string, string>): Promise<KillableBridge> {
  const child = spawn(process.execPath, ['bridge-server/dist/index.js'], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const bridge = { child, output: () => output, exited };
  const [line] = await waitForOutput(bridge, /^.*"bridge listening".*$/m, 60_000);
  return { ...bridge, url: `http://127.0.0.1:${JSON.parse(line).port}` };
}

/** kill -9: the process ends at once, with no chance to finish a request, commit, or close anything. */
export async function killHard(bridge: KillableBridge): Promise<void> {
  bridge.child.kill('SIGKILL');
  const exit = await bridge.exited;
  if (exit !== 'SIGKILL') throw new Error(`the bridge was to die of SIGKILL, not ${exit}`);
}

/** SIGTERM: the bridge drains its requests and closes its database, as on a deploy. */
export async function stopGracefully(bridge: KillableBridge): Promise<void> {
  if (bridge.child.exitCode !== null || bridge.child.signalCode !== null) return;
  bridge.child.kill('SIGTERM');
  await bridge.exited;
}

/**
 * Like `startKillableBridge` for a bridge under load (benchmarks): on a free port, its standard output (one line a
 * request at LOG_LEVEL=info) neither kept nor piped, its warnings and errors on this process's standard error; ready
 * once `/readyz` answers 200 (at LOG_LEVEL=warn there is no "bridge listening" line to wait for).
 */
export async function startQuietBridge(environment: Record<string, string>): Promise<KillableBridge> {
  // A child process cannot take over a bound socket, so the port is freed just before the child binds it: a
  // benchmark-only helper, where a port taken in between fails the run loudly rather than deciding a test.
  const reserved = await reservePort();
  const port = reserved.port;
  await new Promise((resolve) => reserved.server.close(resolve));
  // A profile of the bridge under load: BENCH_BRIDGE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (command-line
  // arguments: Node refuses --cpu-prof in NODE_OPTIONS). The profile is written when the bridge stops gracefully.
  const nodeArgs = (process.env.BENCH_BRIDGE_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
  // The processing knobs pass through, so that one command compares settings (WEBHOOK_BATCH_SIZE=1000 npm run …).
  const tuning = Object.fromEntries(
    ['WEBHOOK_BATCH_SIZE', 'WEBHOOK_BATCHES_IN_FLIGHT', 'DATABASE_PREPARED_STATEMENTS'].flatMap((name) => {
      const value = process.env[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const child = spawn(process.execPath, [...nodeArgs, 'bridge-server/dist/index.js'], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...tuning, ...environment, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the bridge process to answer /readyz',
    async () => {
      if (child.exitCode !== null) throw new Error(`the bridge exited (${child.exitCode}) before it was ready`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000 },
  );
  return { child, output: () => '', exited, url };
}
