// Runs every bench/*.bench.ts (or those whose name contains an argument), prints their tables and writes
// bench-results/<name>.json with the same figures plus the machine they were measured on.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchReport, formatTable } from './report.ts';

const here = import.meta.dirname;
const outDir = path.resolve(here, '../bench-results');
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

// The SFU benches (sfu-capacity, recording) run the offline-built mediasoup worker, found the way
// scripts/run-tests.mjs finds it for the tests (a cache hit once scripts/setup.sh has built it).
if (!process.env.MEDIASOUP_WORKER_BIN) {
  const built = spawnSync(
    'bash',
    [path.resolve(here, '../scripts/mediasoup-worker/build.sh'), '--print-path'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (built.status === 0) process.env.MEDIASOUP_WORKER_BIN = built.stdout.trim();
}

mkdirSync(outDir, { recursive: true });
const machine = {
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memGiB: os.totalmem() / 2 ** 30,
};
let failed = false;
for (const file of files) {
  const started = Date.now();
  try {
    const mod = (await import(path.join(here, file))) as { default: () => Promise<BenchReport> };
    const report = await mod.default();
    console.log(`\n# ${report.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const t of report.tables) console.log(`\n${formatTable(t)}`);
    const out = path.join(outDir, `${report.name}.json`);
    writeFileSync(
      out,
      JSON.stringify(
        {
          name: report.name,
          at: new Date().toISOString(),
          machine,
          results: report.results,
          tables: report.tables,
        },
        null,
        2,
      ),
    );
    console.log(`\n(wrote ${path.relative(process.cwd(), out)})`);
  } catch (err) {
    failed = true;
    console.error(`\n# ${file} failed:`, err);
  }
}
if (files.length === 0) console.error('no benchmarks matched');
process.exit(failed || files.length === 0 ? 1 : 0);
