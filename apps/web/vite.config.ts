import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

// One multi-page build: the server serves dist/<app>/index.html at /clinician/, /join and /admin/, and the
// shared, hashed bundles under /assets/.
export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        clinician: path.join(root, 'clinician/index.html'),
        join: path.join(root, 'join/index.html'),
        admin: path.join(root, 'admin/index.html'),
      },
    },
  },
});
