import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `wabridge-source` condition, so tests run
// against the sources without a build. Each top-level folder is a Vitest project.
const conditions = ['wabridge-source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['wabridge-source'] } },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Finds a PostgreSQL server for the storage tests' second backend (TEST_DATABASE_URL, else the local one).
    globalSetup: ['./test/support/postgres-discovery.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['shared/test/**/*.test.ts'], exclude: ['shared/test/panel/**'] },
      },
      {
        extends: true,
        // The sidebar panel's component tests, in a simulated browser.
        // The deadline is generous: on a busy two-core machine jsdom and Garden take seconds for what takes
        // milliseconds alone, and every wait in these tests is by condition, so a higher limit fails nothing wrongly.
        test: {
          name: 'panel',
          include: ['shared/test/panel/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        // The same component tests with the plain kit styled like Zoho Desk (shared/src/ui-zoho) in place of Garden:
        // the panel must work, and stay reachable by role and label, whichever design system draws it.
        test: {
          name: 'panel-zoho',
          include: ['shared/test/panel/**/*.test.tsx'],
          // The kits' own contract test already checks both kits.
          exclude: ['shared/test/panel/ui-kit.test.tsx'],
          environment: 'jsdom',
          testTimeout: 30_000,
          env: { PANEL_UI_KIT: 'zoho' },
        },
      },
      {
        extends: true,
        test: { name: 'zendesk-app', include: ['zendesk-app/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'zoho-extension', include: ['zoho-extension/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'bridge-server', include: ['bridge-server/test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'cross-package',
          include: ['test/**/*.test.ts'],
          // These tests run the README's commands, which build into dist/: one file at a time, so two builds never race.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
