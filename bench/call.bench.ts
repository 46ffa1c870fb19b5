// Time from the clinician's "admit" to the first decoded remote frame on both sides of a 1:1 P2P call, directly and
// through coturn with relay forced: real Chromium pages with fake media, the real server, a loopback-only network
// namespace. Each run is one pass of tests/browser/p2p-call.test.ts (which asserts the call works and reports the
// timing as a test diagnostic); this collects the diagnostics of several runs.
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import { type BenchReport, percentile } from './report.ts';

const RUNS = 5;
const testFile = path.resolve(import.meta.dirname, '../tests/browser/p2p-call.test.ts');
const line = /(direct|relay): admit -> first decoded frame (\d+) ms/g;

export default async function run(): Promise<BenchReport> {
  const samples: Record<'direct' | 'relay', number[]> = { direct: [], relay: [] };
  for (let i = 0; i < RUNS; i++) {
    const { code, output } = await runInLoopbackNamespace(testFile, {
      quiet: true,
      env: { NODE_ENV: 'test' },
    });
    if (code !== 0) throw new Error(`call run ${i + 1} failed:\n${output.slice(-3000)}`);
    for (const m of output.matchAll(line)) samples[m[1] as 'direct' | 'relay'].push(Number(m[2]));
  }
  const row = (mode: 'direct' | 'relay') => {
    const s = samples[mode];
    return [mode, s.length, percentile(s, 50), Math.min(...s), Math.max(...s)];
  };
  return {
    name: 'call',
    results: {
      runs: RUNS,
      admitToFirstFrameMs: {
        direct: { median: percentile(samples.direct, 50), samples: samples.direct },
        relay: { median: percentile(samples.relay, 50), samples: samples.relay },
      },
    },
    tables: [
      {
        title: '1:1 P2P in Chromium: admit -> first decoded remote frame on both sides (ms)',
        columns: ['path', 'runs', 'median', 'min', 'max'],
        rows: [row('direct'), row('relay')],
      },
    ],
  };
}
