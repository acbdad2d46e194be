import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const repositoryRoot = new URL('../..', import.meta.url).pathname;

export interface RunningScript {
  child: ChildProcess;
  output: () => string;
  /** The exit code, or the signal npm re-raised after its child exited (npm ends itself with the signal it forwarded). */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Runs `npm run <script>` at the repository root, as a person would, with only the given environment. */
export function runScript(script: string, environment: Record<string, string>): RunningScript {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { child, output: () => output, exited };
}

/** Polls the script's output until `pattern` matches; returns the match. Fails early if the script exits. */
export async function waitForOutput(script: RunningScript, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = script.output().match(pattern);
    if (match !== null) return match;
    if (script.child.exitCode !== null) throw new Error(`the script exited early:\n${script.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${pattern}:\n${script.output()}`);
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
