/**
 * `npm run package -w zendesk-app` and `npm run validate -w zendesk-app [path]`: packages dist/app into
 * dist/wabridge-zendesk.zip after validating it, or validates a zip or an app folder. Exits 1 on problems.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readAppFolder, unzipApp, zipApp } from './package.js';
import { type Problem, validateAppPackage } from './validate.js';

const packageRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/node/') ? '../../../' : '../', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('..', `file://${packageRoot}`));
const appDirectory = `${packageRoot}dist/app`;
const zipPath = `${packageRoot}dist/wabridge-zendesk.zip`;

function report(problems: Problem[]): void {
  for (const problem of problems) process.stderr.write(`✗ [${problem.rule}] ${problem.message}\n`);
}

async function main(command: string | undefined, target: string | undefined): Promise<number> {
  const options = { forbiddenStrings: [repositoryRoot] };
  if (command === 'package') {
    const files = await readAppFolder(appDirectory);
    const problems = validateAppPackage(files, options);
    report(problems);
    if (problems.length > 0) return 1;
    await writeFile(zipPath, await zipApp(files));
    process.stdout.write(`Packaged ${files.size} files into ${zipPath}\n`);
    return 0;
  }
  if (command === 'validate') {
    const path = target ?? zipPath;
    const files = (await stat(path)).isDirectory() ? await readAppFolder(path) : await unzipApp(await readFile(path));
    const problems = validateAppPackage(files, options);
    report(problems);
    if (problems.length === 0) process.stdout.write(`${path}: valid (${files.size} files)\n`);
    return problems.length === 0 ? 0 : 1;
  }
  process.stderr.write('usage: cli.js package | validate [zip or folder]\n');
  return 2;
}

main(process.argv[2], process.argv[3]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
