// Runs every test file in the repository with node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [--unit] [--serial] [path-filter...]
//   --unit:   only the pure-logic tests (packages/, apps/), which need no database, browser or other service.
//   --serial: one file at a time (the default runs two lanes at once, see below).
//
// Two lanes run side by side, each one file at a time: the heavy lane (real browsers, the Docker engine: each
// saturates both cores on its own) and the light lane (servers, databases, unit tests: mostly waiting on I/O).
// That keeps a 2-core machine busy without ever running two browser scenarios at once. The network lab's files
// run last, alone: they measure shaped links from inside browsers, and on a starved CPU (the light lane beside
// them) the measurements are of the CPU, not the links (CI once saw a 1 Mbit/s uplink probed at 119 kbit/s).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const skip = new Set(['node_modules', 'generated', 'var', 'dist', '.git']);
// By path prefix: the cluster's and ops' tests without a browser or Docker (server processes, Redis, a metrics
// check) are light, which evens the lanes out (the heavy one set CI's length).
const heavyPrefixes = [
  'tests/browser/',
  'tests/web/',
  'tests/ops/compose',
  'tests/cluster/browser-',
  'tests/firefox/',
];

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
const serial = args.includes('--serial');
const filters = args.filter((a) => !a.startsWith('--'));
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

/** Run alone, after the lanes: see the top of this file. */
const alonePrefixes = ['tests/netlab/'];
const isAlone = (f) => alonePrefixes.some((p) => f.startsWith(p));
const isHeavy = (f) => heavyPrefixes.some((p) => f.startsWith(p));
const lanes = serial
  ? [{ name: '', files }]
  : [
      { name: 'heavy', files: files.filter((f) => isHeavy(f) && !isAlone(f)) },
      { name: 'light', files: files.filter((f) => !isHeavy(f) && !isAlone(f)) },
    ].filter((l) => l.files.length > 0);
const alone = serial ? [] : files.filter(isAlone);

/** Runs one lane's files one at a time; its output is prefixed with the lane's name when lanes run together. */
function runLane(lane) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...lane.files],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    const prefix = lanes.length > 1 || alone.length > 0 ? `[${lane.name}] ` : '';
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.on('data', (d) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
      });
      stream.on('end', () => rest && process.stdout.write(`${prefix}${rest}\n`));
    }
    child.on('close', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`${prefix}lane finished in ${seconds} s with exit code ${code}\n`);
      resolve(code ?? 1);
    });
  });
}

const codes = await Promise.all(lanes.map(runLane));
if (alone.length > 0) codes.push(await runLane({ name: 'lab', files: alone }));
process.exit(codes.every((c) => c === 0) ? 0 : 1);
