import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { browserBundle } from '@wabridge/shared/bundle';
import { defaultClientConditions, defineConfig } from 'vite';
import { zendeskAppFiles } from './scripts/app-files.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Builds the Zendesk app folder `dist/app/`: `assets/iframe.html` (the ticket_sidebar location) with its
 * hashed JS and CSS beside it, referenced by relative paths (Zendesk serves the assets from its CDN under
 * an unpredictable prefix), plus the generated manifest, translations and logos. `--outDir` overrides
 * the folder (tests build into a temporary one).
 */
export default defineConfig({
  root: here('./src'),
  base: './',
  publicDir: false,
  plugins: [browserBundle(), react(), zendeskAppFiles()],
  // Workspace packages export their TypeScript sources under this condition (see shared/package.json).
  // One React in the bundle whatever the install layout (the root package.json also pins one with overrides).
  resolve: { conditions: ['wabridge-source', ...defaultClientConditions], dedupe: ['react', 'react-dom'] },
  build: {
    outDir: here('./dist/app'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No source maps in the package: they would carry the build machine's paths and the sources.
    sourcemap: false,
    rollupOptions: { input: here('./src/assets/iframe.html') },
    reportCompressedSize: false,
    // Our budget is the gzipped size (checked by zendesk-app/test/package.test.ts), not Rollup's raw 500 KB.
    chunkSizeWarningLimit: 800,
  },
  logLevel: 'warn',
});
