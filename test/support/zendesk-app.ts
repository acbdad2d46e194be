import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from './processes.js';

/**
 * Builds the Zendesk app folder (manifest, translations, assets) into a fresh temporary directory with Vite,
 * as `npm run build -w zendesk-app` does into zendesk-app/dist/app. A private folder per caller: test projects
 * run in parallel and must not rebuild one another's app under their feet.
 */
export function buildZendeskApp(environment: Record<string, string> = {}): Promise<string> {
  return buildWithVite('zendesk-app/vite.config.ts', 'wabridge-zendesk-app-', environment);
}

/** Builds the bridge's admin console (bridge-server/console) into a fresh temporary directory, for `consoleDir`. */
export function buildConsole(): Promise<string> {
  return buildWithVite('bridge-server/console/vite.config.ts', 'wabridge-console-', {});
}

async function buildWithVite(config: string, prefix: string, environment: Record<string, string>): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), prefix));
  const vite = join(repositoryRoot, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--config', config, '--outDir', outDir, '--emptyOutDir'], {
    cwd: repositoryRoot,
    // Vitest runs with NODE_ENV=test, which would make Vite build React's development JSX runtime.
    env: { ...process.env, NODE_ENV: 'production', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`building ${config} failed (${code}):\n${output}`);
  return outDir;
}
