import { readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';

/** What every benchmark shares: its settings from the environment, and how its figures are printed. */

export const environment = process.env;

/** A positive integer setting from the environment. */
export function integer(name: string, fallback: number): number {
  const value = Number(environment[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Figures go to standard output as Markdown; the bridges' logs go to standard error. */
export const out = (line = '') => process.stdout.write(`${line}\n`);
export const fixed = (value: number | undefined, digits = 2) =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
export const whole = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '—' : Math.round(value).toLocaleString('en-US');
export const percent = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value * 100)}%`);

export const loadAverage = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function packageVersion(name: string): Promise<string> {
  try {
    const text = await readFile(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The report's first lines: the machine and the software the figures were measured with. */
export async function printMachine(): Promise<void> {
  const cpuList = cpus();
  out(
    `- machine: ${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${process.platform} ${process.arch}; load average at start ${loadAverage()}`,
  );
  const versions = await Promise.all(['express', 'autocannon', '@electric-sql/pglite', 'pg'].map(packageVersion));
  out(
    `- software: Node ${process.version}, express ${versions[0]}, autocannon ${versions[1]}, @electric-sql/pglite ${versions[2]}, pg ${versions[3]}; NODE_ENV=${environment.NODE_ENV ?? ''}`,
  );
}
