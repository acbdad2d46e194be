import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './wait-for.js';

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

/** Waits until the script's output matches `pattern`; returns the match. Fails early if the script exits. */
export async function waitForOutput(script: RunningScript, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
  try {
    return await waitFor(
      `${pattern}`,
      () => {
        const match = script.output().match(pattern);
        if (match === null && script.child.exitCode !== null) throw new Error('the script exited early');
        return match;
      },
      { timeoutMs },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}:\n${script.output()}`, { cause: error });
  }
}
