// Glass-to-glass latency of a 1:1 P2P call on the network lab's access profiles (issue 19; the loopback routes are
// bench/latency.bench.ts). The browsers run in bench/support/latency-lab-scenarios.ts inside a lab of its own;
// this turns its lines into a table: one row per direction (sender's profile → receiver's profile).
import os from 'node:os';
import path from 'node:path';
import { runInLab } from '../tests/support/netlab/index.ts';
import { type BenchReport, type BenchTable, taggedLines } from './report.ts';
import {
  LAB_LINE_TAG,
  LAB_OPTIONS,
  LAB_PAIRS,
  type LabLatencyLine,
} from './support/latency-lab-scenarios.ts';

const scenarioFile = path.resolve(import.meta.dirname, 'support/latency-lab-scenarios.ts');

export default async function run(): Promise<BenchReport> {
  const loadBefore = os.loadavg()[0]!;
  const { code, output } = await runInLab(scenarioFile, {
    args: [],
    quiet: true,
    env: { NODE_ENV: 'test' },
    timeoutMs: LAB_PAIRS.length * 6 * 60_000,
  });
  const loadAfter = os.loadavg()[0]!;
  const lines = taggedLines<LabLatencyLine>(output, LAB_LINE_TAG);
  const pairs = lines.filter((l): l is Extract<LabLatencyLine, { kind: 'pair' }> => l.kind === 'pair');
  const failures = lines.filter((l): l is Extract<LabLatencyLine, { kind: 'failed' }> => l.kind === 'failed');
  if (code !== 0 || lines.length === 0) {
    throw new Error(`latency lab scenarios failed (exit ${code}):\n${output.slice(-6000)}`);
  }
  const tables: BenchTable[] = [
    {
      title: 'P2P glass-to-glass video and mouth-to-ear audio on lab access profiles, ms (sender → receiver)',
      columns: [
        'sender → receiver',
        'frames',
        'video med',
        'video p95',
        'video max',
        'beeps',
        'audio med',
        'audio p95',
        'audio max',
        'target',
        'load',
      ],
      rows: pairs.map((p) => [
        `${p.senderProfile} → ${p.receiverProfile}`,
        p.video.count,
        p.video.medianMs,
        p.video.p95Ms,
        p.video.maxMs,
        p.audio.count,
        p.audio.medianMs,
        p.audio.p95Ms,
        p.audio.maxMs,
        '≤ 150',
        p.load,
      ]),
    },
    {
      title: 'Failed pairs',
      columns: ['pair', 'why'],
      rows: failures.map((f) => [f.pair, f.reason]),
    },
    {
      title: 'Notes',
      columns: ['note'],
      rows: [
        'Each person in a client namespace behind a NAT router shaped to the profile (TBF both ways, nftables loss;',
        'docs/network-lab.md); the probe as in bench/latency.bench.ts. No fixed propagation delay (no netem): what',
        'the profiles add is queueing and congestion control. The hospital clinician reaches the patient only by TURN',
        `over TLS on 443. Per direction ≥ ${LAB_OPTIONS.frames} frames and ≥ ${LAB_OPTIONS.beeps} beeps after media flowed.`,
        `load: 1-minute load average (${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after) of a shared 2-core machine.`,
      ].map((t) => [t]),
    },
  ];
  return {
    name: 'latency-lab',
    tables,
    results: { options: LAB_OPTIONS, loadAverage: { before: loadBefore, after: loadAfter }, pairs, failures },
  };
}
