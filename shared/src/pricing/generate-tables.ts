import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleFileOf, renderTableModule, tableSpecs } from './tables-render.js';

/*
 * Regenerates the data modules in tables/ from the CSVs there. A development script (it reads and writes
 * files); nothing in the pricing model imports it. Node 20 cannot run TypeScript directly, so compile it
 * to a scratch folder and run it from the repository root:
 *
 *   npx tsc -p shared/src/pricing/generate-tables.tsconfig.json
 *   node node_modules/.cache/wabridge-pricing-tables/pricing/generate-tables.js shared/src/pricing/tables
 *
 * The shared test suite fails while a module differs from what its CSV generates.
 */

const tablesDirectory = process.argv[2];
if (tablesDirectory === undefined) {
  console.error('usage: node generate-tables.js <tables directory, e.g. shared/src/pricing/tables>');
  process.exit(2);
}
for (const spec of tableSpecs) {
  const csvText = readFileSync(join(tablesDirectory, spec.csvFile), 'utf8');
  const modulePath = join(tablesDirectory, moduleFileOf(spec));
  writeFileSync(modulePath, renderTableModule(spec, csvText));
  console.log(`${modulePath} ← ${spec.csvFile}`);
}
