// Time from the clinician's "admit" to the first decoded remote frame on both sides of a 1:1 P2P call, directly and
// through coturn with relay forced, for two Chromium pages and for a Chromium clinician with a Firefox patient, in
// the same run: real pages with fake media, the real server, a loopback-only network namespace. Each run is one
// pass of tests/browser/p2p-call.test.ts or tests/firefox/p2p-mixed.test.ts (which assert the call works and
// report the timings as test diagnostics); this collects the diagnostics of several runs.
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import { type BenchReport, percentile } from './report.ts';

const RUNS = 5;
type Mode = 'direct' | 'relay';
type Pairing = 'chromium-chromium' | 'chromium-firefox';

/** Each pairing's test file, and how to read "both sides decode" (the later of the two sides) from its output. */
const PAIRINGS: Record<Pairing, { file: string; read: (output: string) => Array<[Mode, number]> }> = {
  'chromium-chromium': {
    file: '../tests/browser/p2p-call.test.ts',
    read: (output) =>
      [...output.matchAll(/(direct|relay): admit -> first decoded frame (\d+) ms/g)].map((m) => [
        m[1] as Mode,
        Number(m[2]),
      ]),
  },
  'chromium-firefox': {
    file: '../tests/firefox/p2p-mixed.test.ts',
    read: (output) =>
      [
        ...output.matchAll(
          /(direct|relay): admit -> first decoded frame: clinician \(chromium\) (\d+) ms, patient \(firefox\) (\d+) ms/g,
        ),
      ].map((m) => [m[1] as Mode, Math.max(Number(m[2]), Number(m[3]))]),
  },
};

export default async function run(): Promise<BenchReport> {
  const samples = new Map<string, number[]>();
  for (const [pairing, { file, read }] of Object.entries(PAIRINGS) as Array<
    [Pairing, (typeof PAIRINGS)[Pairing]]
  >) {
    for (let i = 0; i < RUNS; i++) {
      const { code, output } = await runInLoopbackNamespace(path.resolve(import.meta.dirname, file), {
        quiet: true,
        env: { NODE_ENV: 'test' },
      });
      if (code !== 0) throw new Error(`${pairing} call run ${i + 1} failed:\n${output.slice(-3000)}`);
      const found = read(output);
      if (found.length === 0)
        throw new Error(`${pairing} run ${i + 1} printed no timing:\n${output.slice(-2000)}`);
      for (const [mode, ms] of found) {
        const key = `${pairing} ${mode}`;
        samples.set(key, [...(samples.get(key) ?? []), ms]);
      }
    }
  }
  const keys = [...samples.keys()];
  return {
    name: 'call',
    results: {
      runs: RUNS,
      admitToFirstFrameMs: Object.fromEntries(
        keys.map((k) => [k, { median: percentile(samples.get(k)!, 50), samples: samples.get(k)! }]),
      ),
    },
    tables: [
      {
        title:
          '1:1 P2P: admit -> first decoded remote frame on both sides (ms), Chromium and Firefox patients',
        columns: ['pages', 'path', 'runs', 'median', 'min', 'max'],
        rows: keys.map((k) => {
          const s = samples.get(k)!;
          const [pages = k, mode = ''] = k.split(' ');
          return [pages, mode, s.length, percentile(s, 50), Math.min(...s), Math.max(...s)];
        }),
      },
    ],
  };
}
