// The server started the way production used to run it (TypeScript through tsx at run time) and the way it runs
// now (node on the esbuild bundle, apps/server/build.mjs), with the embedded database (PGlite) and with
// PostgreSQL: time from spawn to a 200 from /healthz, and the server process's resident memory once idle.
// Same machine, same run, production profile; the SFU is off so only the Node process itself is measured.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '../tests/support/postgres.ts';
import { freePort } from '../tests/support/server.ts';
import { type BenchReport, percentile } from './report.ts';

const RUNS = 3;
/** How long the server sits idle after its first healthy answer before its RSS is read. */
const IDLE_MS = 5000;
const serverDir = path.resolve(import.meta.dirname, '../apps/server');

const modes = {
  tsx: ['--import', 'tsx', 'src/server.ts'],
  'built JS': ['--enable-source-maps', 'dist/server.js'],
} as const;

interface Sample {
  startMs: number;
  rssMiB: number;
}

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function startOnce(args: readonly string[], databaseUrl: string | null): Promise<Sample> {
  const varDir = await mkdtemp(path.join(os.tmpdir(), 'consulta-start-bench-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  try {
    const started = performance.now();
    child = spawn(process.execPath, args, {
      cwd: serverDir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        COOKIE_SECRET: randomBytes(32).toString('hex'),
        TURN_SECRET: randomBytes(32).toString('hex'),
        MEDIA_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        // node-config's own override: a throwaway state directory instead of the checkout's var/.
        NODE_CONFIG: JSON.stringify({ server: { varDir } }),
      },
    });
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}`))),
    );
    const healthy = (async () => {
      for (;;) {
        try {
          if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
        } catch {}
        await sleep(20);
      }
    })();
    await Promise.race([
      healthy,
      exited,
      sleep(120_000).then(() => Promise.reject(new Error('start timed out'))),
    ]);
    const startMs = performance.now() - started;
    await sleep(IDLE_MS);
    return { startMs, rssMiB: rssMiB(child.pid!) };
  } finally {
    if (child && child.exitCode === null) {
      const gone = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    await rm(varDir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<BenchReport> {
  const built = spawnSync(process.execPath, ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('apps/server build failed');
  const rows: Array<Array<string | number>> = [];
  const results: Record<string, unknown> = {};
  for (const database of ['pglite', 'postgres'] as const) {
    for (const [mode, args] of Object.entries(modes)) {
      const samples: Sample[] = [];
      for (let i = 0; i < RUNS; i++) {
        const db = database === 'postgres' ? await createTestDatabase() : null;
        try {
          samples.push(await startOnce(args, db?.url ?? null));
        } finally {
          await db?.drop();
        }
      }
      const start = percentile(
        samples.map((s) => s.startMs),
        50,
      );
      const rss = percentile(
        samples.map((s) => s.rssMiB),
        50,
      );
      rows.push([database, mode, start, rss]);
      results[`${database}/${mode}`] = { runs: RUNS, medianStartMs: start, medianIdleRssMiB: rss, samples };
    }
  }
  return {
    name: 'server-start',
    tables: [
      {
        title: `Server start to healthy and idle RSS (median of ${RUNS}, idle ${IDLE_MS / 1000} s, SFU off)`,
        columns: ['database', 'runs as', 'start ms', 'idle RSS MiB'],
        rows,
      },
    ],
    results,
  };
}
