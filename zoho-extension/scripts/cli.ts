/**
 * `npm run package -w zoho-extension` and `npm run validate -w zoho-extension [zip or folder]`. `package` checks
 * dist/wabridge-zoho (our rules), runs `zet validate` and `zet pack` on it, opens the zip, checks that it holds
 * every file of the folder and passes our rules again, and writes dist/wabridge-zoho.zip. Exits 1 on any problem.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkExtension, type Problem } from './checks.js';
import { packageExtension, readExtensionFolder, unzipExtension } from './package.js';

const packageRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/node/') ? '../../../' : '../', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('..', `file://${packageRoot}`));
const extensionFolder = `${packageRoot}dist/wabridge-zoho`;
const zipPath = `${packageRoot}dist/wabridge-zoho.zip`;

function report(problems: Problem[]): void {
  for (const problem of problems) process.stderr.write(`✗ [${problem.rule}] ${problem.message}\n`);
}

async function main(command: string | undefined, target: string | undefined): Promise<number> {
  if (command === 'package') {
    const problems = await packageExtension(target ?? extensionFolder, zipPath, { forbiddenStrings: [repositoryRoot] });
    for (const problem of problems) process.stderr.write(`✗ ${problem}\n`);
    if (problems.length === 0) process.stdout.write(`zet validate and zet pack passed; checked and wrote ${zipPath}\n`);
    return problems.length === 0 ? 0 : 1;
  }
  if (command === 'validate') {
    const path = target ?? zipPath;
    const files = (await stat(path)).isDirectory() ? await readExtensionFolder(path) : await unzipExtension(await readFile(path));
    const problems = checkExtension(files, { forbiddenStrings: [repositoryRoot] });
    report(problems);
    if (problems.length === 0) process.stdout.write(`${path}: valid (${files.size} files)\n`);
    return problems.length === 0 ? 0 : 1;
  }
  process.stderr.write('usage: cli.js package [folder] | validate [zip or folder]\n');
  return 2;
}

main(process.argv[2], process.argv[3]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
