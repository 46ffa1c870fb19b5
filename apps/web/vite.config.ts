import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { appPages } from './app-pages.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
const pages = appPages(root);

// One multi-page build: the server serves dist/<app>/index.html at /clinician/, /join and /admin/, and the
// shared, hashed bundles under /assets/.
export default defineConfig({
  root,
  base: '/',
  plugins: [pages.plugin],
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: pages.input,
    },
  },
});
