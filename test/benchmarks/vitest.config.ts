import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Benchmarks run with Vitest's runner (TypeScript sources, the `wabridge-source` condition, as the tests do) but are
// not tests: the root config never includes them, and they print figures instead of asserting timings.
const conditions = ['wabridge-source', ...defaultServerConditions];

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['wabridge-source'] } },
  test: {
    include: ['test/benchmarks/*.benchmark.ts'],
    // Figures go straight to stdout as they are printed, not buffered per test.
    disableConsoleIntercept: true,
    reporters: [['default', { summary: false }]],
    fileParallelism: false,
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
