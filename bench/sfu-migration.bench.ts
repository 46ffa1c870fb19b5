// The media gap a viewer sees when a call migrates p2p -> SFU (a third person joins) and SFU -> p2p (they leave):
// the longest time between two frames presented by a tile's <video>, in real Chromium with make before break.
// Each run is one pass of tests/browser/sfu-migration.test.ts (which asserts the migrations work and prints the
// gaps as MEASURE lines); this collects several runs.
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import { type BenchReport, percentile } from './report.ts';
import { sfuRunEnv } from './support/sfu-env.ts';

const RUNS = 5;
const testFile = path.resolve(import.meta.dirname, '../tests/browser/sfu-migration.test.ts');
const line = /MEASURE (p2p->sfu|sfu->p2p): longest frame gap (\d+) ms/g;

export default async function run(): Promise<BenchReport> {
  const env = sfuRunEnv();
  const samples: Record<string, number[]> = { 'p2p->sfu': [], 'sfu->p2p': [] };
  for (let i = 0; i < RUNS; i++) {
    const { code, output } = await runInLoopbackNamespace(testFile, { quiet: true, env });
    if (code !== 0) throw new Error(`migration run ${i + 1} failed:\n${output.slice(-3000)}`);
    for (const m of output.matchAll(line)) samples[m[1]!]!.push(Number(m[2]));
  }
  const row = (d: string) => {
    const s = samples[d]!;
    return [d, s.length, percentile(s, 50), Math.min(...s), Math.max(...s)];
  };
  return {
    name: 'sfu-migration',
    results: {
      runs: RUNS,
      frameGapMs: Object.fromEntries(
        Object.entries(samples).map(([d, s]) => [
          d,
          { median: percentile(s, 50), max: Math.max(...s), samples: s },
        ]),
      ),
    },
    tables: [
      {
        title: 'Live migration in Chromium (320x240@15): longest gap between shown frames, ms',
        columns: ['migration', 'runs', 'median', 'min', 'max'],
        rows: [row('p2p->sfu'), row('sfu->p2p')],
      },
    ],
  };
}
