// Runs every test file in the repository with node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [--unit] [path-filter...]
//   --unit: only the pure-logic tests (packages/, apps/), which need no database, browser or other service.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const skip = new Set(['node_modules', 'generated', 'var', 'dist', '.git']);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) find(full, out);
    else if (name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out;
}

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => a !== '--unit');
const files = (unitOnly ? ['packages', 'apps'] : ['packages', 'apps', 'tests'])
  .flatMap((d) => find(path.join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The server's SFU and the worker tests need the offline-built mediasoup worker (scripts/setup.sh builds it; this
// is a cache hit). node-config maps MEDIASOUP_WORKER_BIN to media.workerBin.
const env = { ...process.env, NODE_ENV: 'test' };
if (!env.MEDIASOUP_WORKER_BIN) {
  const built = spawnSync('bash', [path.join(root, 'scripts/mediasoup-worker/build.sh'), '--print-path'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (built.status !== 0) {
    console.error('the mediasoup worker could not be built; see the lines above');
    process.exit(1);
  }
  env.MEDIASOUP_WORKER_BIN = built.stdout.trim();
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { cwd: root, stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
