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
export async function buildZendeskApp(environment: Record<string, string> = {}): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'wabridge-zendesk-app-'));
  const vite = join(repositoryRoot, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--config', 'zendesk-app/vite.config.ts', '--outDir', outDir], {
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
  if (code !== 0) throw new Error(`building the Zendesk app failed (${code}):\n${output}`);
  return outDir;
}
