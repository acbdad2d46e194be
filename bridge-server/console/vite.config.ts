import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Builds the admin console into `bridge-server/dist/console-ui/` (`--outDir` overrides it: the browser tests build
 * one of their own), which the bridge serves at `/` (src/console/serve.ts). Hashed assets under `/assets/`.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  plugins: [react()],
  // Workspace packages export their TypeScript sources under this condition (see shared/package.json).
  resolve: { conditions: ['wabridge-source', ...defaultClientConditions], dedupe: ['react', 'react-dom'] },
  build: {
    outDir: here('../dist/console-ui'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,
  },
  logLevel: 'warn',
});
