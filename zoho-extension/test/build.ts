import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the extension folder with Vite into `outDir`, as `npm run build -w zoho-extension` does into
 * dist/wabridge-zoho. Tests build into private temporary folders: test files run in parallel and must not rebuild
 * one another's extension (or dist/) under their feet.
 */
export async function buildExtension(outDir: string, environment: Record<string, string> = {}): Promise<void> {
  const vite = join(repositoryRoot, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--config', 'zoho-extension/vite.config.ts', '--outDir', outDir], {
    cwd: repositoryRoot,
    // Vitest runs with NODE_ENV=test, which would make Vite build React's development JSX runtime.
    env: { ...process.env, NODE_ENV: 'production', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`building the Zoho Desk extension failed (${code}):\n${output}`);
}
