/**
 * Packs the built extension folder with Zoho's own tool, `zet validate` then `zet pack` (npm package
 * zoho-extension-toolkit, which works offline for DESK), and reads the zip back. zet's traps (zoho-extension/README.md,
 * "Packaging"): its prepack fails on any line written to standard error and then leaves a 0-byte zip with exit code
 * 0, and it silently drops some file types; so the zip is never trusted: it must hold every file of the folder.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import JSZip from 'jszip';
import { type CheckOptions, checkExtension, type PackageFiles } from './checks.js';

const zetProgram = join(createRequire(import.meta.url).resolve('zoho-extension-toolkit/package.json'), '..', 'index.js');

/** The files zet packs: the manifest, resources.json and everything under app/ (lib/commands/package.js). */
export async function readExtensionFolder(folder: string): Promise<PackageFiles> {
  const files: PackageFiles = new Map();
  for (const name of ['plugin-manifest.json', 'resources.json']) {
    const bytes = await readFile(join(folder, name)).catch(() => null);
    if (bytes !== null) files.set(name, new Uint8Array(bytes));
  }
  const entries = await readdir(join(folder, 'app'), { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(folder, path).split(sep).join('/'), new Uint8Array(await readFile(path)));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export async function unzipExtension(zip: Uint8Array): Promise<PackageFiles> {
  const archive = await JSZip.loadAsync(zip);
  const files: PackageFiles = new Map();
  for (const entry of Object.values(archive.files)) {
    if (!entry.dir) files.set(entry.name.split('\\').join('/'), await entry.async('uint8array'));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export interface ZetRun {
  code: number | null;
  output: string;
}

/**
 * Runs `zet <command>` in the extension folder (zet takes its project from the working directory), quiet and
 * offline: NO_UPDATE_NOTIFIER stops update-notifier's registry look-up; XDG_CONFIG_HOME and npm's cache point into a
 * throw-away directory, so neither zet's settings (conf) nor the npm that its prepack spawns write to $HOME; npm's
 * own update notice is off, because a line on standard error makes that prepack fail.
 */
export async function runZet(
  command: 'validate' | 'pack',
  folder: string,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<ZetRun> {
  const home = await mkdtemp(join(tmpdir(), 'wabridge-zet-'));
  try {
    const child = spawn(process.execPath, [zetProgram, command], {
      cwd: folder,
      env: {
        ...environment,
        NO_UPDATE_NOTIFIER: '1',
        XDG_CONFIG_HOME: join(home, 'config'),
        npm_config_cache: join(home, 'npm-cache'),
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        npm_config_loglevel: 'silent',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('exit', resolve));
    return { code, output };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** What `zet pack` produced, read back, or why there is nothing usable. */
export type PackResult = { zip: Uint8Array; files: PackageFiles; output: string } | { failure: string };

/** `zet validate`, `zet pack`, then the zip it wrote (`<folder>/dist/<folder name>.zip`), which is removed afterwards. */
export async function packWithZet(folder: string, environment?: NodeJS.ProcessEnv): Promise<PackResult> {
  const validation = await runZet('validate', folder, environment);
  if (validation.code !== 0 || !/successfully/i.test(validation.output)) {
    return { failure: `zet validate failed (exit ${validation.code}):\n${validation.output}` };
  }
  const packing = await runZet('pack', folder, environment);
  const zipPath = join(folder, 'dist', `${basename(folder)}.zip`);
  const zip = await readFile(zipPath).catch(() => null);
  await rm(join(folder, 'dist'), { recursive: true, force: true });
  await rm(join(folder, 'ZET-debug.log'), { force: true });
  if (packing.code !== 0) return { failure: `zet pack failed (exit ${packing.code}):\n${packing.output}` };
  if (zip === null || zip.byteLength === 0) {
    return {
      failure: `zet pack left ${zip === null ? 'no' : 'an empty'} zip at ${zipPath} (its prepack failed):\n${packing.output}`,
    };
  }
  try {
    return { zip: new Uint8Array(zip), files: await unzipExtension(zip), output: `${validation.output}${packing.output}` };
  } catch (error) {
    return { failure: `zet pack wrote a zip that cannot be read: ${(error as Error).message}` };
  }
}

/** Files of the folder that the zip lacks or holds differently (zet drops some types without failing). */
export function compareWithFolder(folderFiles: PackageFiles, zipFiles: PackageFiles): string[] {
  const differences: string[] = [];
  for (const [path, bytes] of folderFiles) {
    const packed = zipFiles.get(path);
    if (packed === undefined) differences.push(`${path} is missing from the zip`);
    else if (Buffer.compare(Buffer.from(packed), Buffer.from(bytes)) !== 0) differences.push(`${path} differs in the zip`);
  }
  for (const path of zipFiles.keys()) if (!folderFiles.has(path)) differences.push(`${path} is in the zip but not in the folder`);
  return differences;
}

export interface PackageOptions extends CheckOptions {
  /** The environment zet runs in (tests put a misbehaving npm first on PATH). */
  environment?: NodeJS.ProcessEnv;
}

/**
 * Checks `folder` (our rules), packs it with zet, checks that the zip holds every file of the folder and passes our
 * rules again, and writes it to `output`. Returns the problems; none means the zip was written.
 */
export async function packageExtension(folder: string, output: string, options: PackageOptions = {}): Promise<string[]> {
  const folderFiles = await readExtensionFolder(folder);
  const problems = checkExtension(folderFiles, options);
  if (problems.length > 0) return problems.map((problem) => `[${problem.rule}] ${problem.message}`);
  const packed = await packWithZet(folder, options.environment);
  if ('failure' in packed) return [packed.failure];
  const incomplete = compareWithFolder(folderFiles, packed.files);
  const zipProblems = checkExtension(packed.files, options).map((problem) => `[${problem.rule}] ${problem.message} (in the zip)`);
  if (incomplete.length + zipProblems.length > 0) return [...incomplete, ...zipProblems];
  await writeFile(output, packed.zip);
  return [];
}
