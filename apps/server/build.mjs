// Production build of the server: bundles src/server.ts (and the coturn renderer, scripts/render-coturn.ts, and
// the create-admin command, `npm run create-admin` in the image) into plain JavaScript under dist/, so production
// runs `node dist/server.js` instead of compiling TypeScript through tsx at every start (less memory, faster
// start: docs/operations.md "Production build").
//
// esbuild rather than tsc: the workspace packages export their TypeScript sources (exports "./src/index.ts") and
// import each other with .ts extensions, which tsc cannot emit as runnable JavaScript without changing every
// package; a bundle takes them in as they are. The server's own npm dependencies stay external (required from
// node_modules at run time), since several load native or WebAssembly files next to their own modules.
//
// Modules find files relative to themselves (infra/config, prisma/migrations, apps/web/dist) through
// import.meta.url; in a bundle that would be dist/server.js for all of them, so each module's import.meta.url is
// rewritten to its original file's URL, expressed relative to the bundle so the checkout can move.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const here = import.meta.dirname;
const outdir = path.join(here, 'dist');
const pkg = JSON.parse(await readFile(path.join(here, 'package.json'), 'utf8'));
const external = Object.entries(pkg.dependencies)
  .filter(([, version]) => !String(version).startsWith('workspace:'))
  .map(([name]) => name);

/** @type {import('esbuild').Plugin} */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const rel = path.relative(outdir, args.path).split(path.sep).join('/');
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

const started = Date.now();
await build({
  entryPoints: {
    server: path.join(here, 'src/server.ts'),
    'render-coturn': path.join(here, '../../scripts/render-coturn.ts'),
    'create-admin': path.join(here, 'src/cli/create-admin.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  plugins: [keepModuleUrls],
  sourcemap: true,
  // Bundled CommonJS helpers call require(); give ESM output one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
console.log(`built ${path.relative(process.cwd(), outdir)} in ${Date.now() - started} ms`);
