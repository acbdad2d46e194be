import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { browserBundle } from '@wabridge/shared/bundle';
import { defaultClientConditions, defineConfig } from 'vite';
import { zohoExtensionFiles } from './scripts/extension-files.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Builds the Zoho Desk extension folder `dist/wabridge-zoho/`: `plugin-manifest.json`, `resources.json` and `app/`
 * with `widget.html` (the ticket right panel's widget), its hashed JS and CSS in `app/assets/` referenced by
 * relative paths, the translations and the images. `zet validate` and `zet pack` run on that folder. `--outDir`
 * overrides it (tests build into a temporary one). Zoho's packer drops `.map`, `.mjs`, `.ico` and `.webp` files and
 * refuses names over 50 characters or outside [A-Za-z0-9_.$-]: Vite's `[name]-[hash].js` names fit.
 */
export default defineConfig({
  root: here('./src'),
  base: './',
  publicDir: false,
  plugins: [browserBundle(), react(), zohoExtensionFiles()],
  // Workspace packages export their TypeScript sources under this condition (see shared/package.json).
  resolve: { conditions: ['wabridge-source', ...defaultClientConditions], dedupe: ['react', 'react-dom'] },
  build: {
    outDir: here('./dist/wabridge-zoho'),
    emptyOutDir: true,
    assetsDir: 'app/assets',
    // No source maps in the package: they would carry the build machine's paths and the sources (and zet drops them).
    sourcemap: false,
    modulePreload: { polyfill: false },
    rollupOptions: { input: here('./src/app/widget.html') },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
  },
  logLevel: 'warn',
});
