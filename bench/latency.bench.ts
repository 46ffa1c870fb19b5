// Glass-to-glass video and mouth-to-ear audio latency per route (issue 19): p2p, p2p through TURN, streaming-tree
// chains (depth 1, 2, 3 in one call) and the SFU, in real Chromium on loopback, measured by the latency probe
// (tests/support/latency-probe: the sender's clock painted into its frames and beeps at known instants). The
// browser work runs in bench/support/latency-scenarios.ts; this collects its lines into tables, and derives the
// cost per relay hop that the routing policy's latency budget uses (packages/routing-policy/src/config.ts).
import os from 'node:os';
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import { type BenchReport, type BenchTable, notesTable, percentile, taggedLines } from './report.ts';
import { LINE_TAG, ROUTES, SCENARIO_OPTIONS, type ScenarioLine } from './support/latency-scenarios.ts';

const scenarioFile = path.resolve(import.meta.dirname, 'support/latency-scenarios.ts');

type PairLine = Extract<ScenarioLine, { kind: 'pair' }>;

export default async function run(): Promise<BenchReport> {
  const loadBefore = os.loadavg()[0]!;
  const { code, output } = await runInLoopbackNamespace(scenarioFile, {
    quiet: true,
    env: { NODE_ENV: 'test' },
    timeoutMs: SCENARIO_OPTIONS.runs * 8 * 60_000,
  });
  const load = { before: loadBefore, after: os.loadavg()[0]! };
  const lines = taggedLines<ScenarioLine>(output, LINE_TAG);
  const pairs = lines.filter((l): l is PairLine => l.kind === 'pair');
  if (code !== 0 || pairs.length === 0) {
    throw new Error(`latency scenarios failed (exit ${code}):\n${output.slice(-6000)}`);
  }
  const failures = lines.filter((l) => l.kind === 'failed');
  const selfs = lines.filter((l) => l.kind === 'self');

  // Rows: each route, the tree by depth. A cell is the median over pairs and runs of each pair's figure.
  const groups: Array<{ label: string; lines: PairLine[]; target: string }> = [];
  for (const route of ROUTES) {
    const of = pairs.filter((p) => p.route === route);
    if (route === 'tree-chain') {
      for (const depth of [...new Set(of.map((p) => p.depth))].sort()) {
        groups.push({
          label: `tree depth ${depth}`,
          lines: of.filter((p) => p.depth === depth),
          target: depth === 1 ? '≤ 100' : `≤ ${100 + 50 * (depth - 1)}`,
        });
      }
    } else groups.push({ label: route, lines: of, target: route === 'p2p' ? '≤ 100' : '' });
  }
  // Only the clinician (sender 0) sends video: the other pairs have audio only.
  const videoOf = (ls: PairLine[]) => ls.filter((l) => l.video.count > 0);
  const med = (xs: number[]) => (xs.length ? percentile(xs, 50) : Number.NaN);
  const rows = groups.map((g) => [
    g.label,
    new Set(g.lines.map((l) => l.run)).size,
    g.lines.length,
    med(videoOf(g.lines).map((l) => l.video.medianMs)),
    med(videoOf(g.lines).map((l) => l.video.p95Ms)),
    Math.max(...videoOf(g.lines).map((l) => l.video.maxMs)),
    med(g.lines.map((l) => l.audio.medianMs)),
    med(g.lines.map((l) => l.audio.p95Ms)),
    Math.max(...g.lines.map((l) => l.audio.maxMs)),
    g.target,
    med(g.lines.map((l) => l.load)),
  ]);

  // What one relay hop adds: the slope of the tree's video medians over depth (pairs of one run and sender).
  const chain = pairs.filter((p) => p.route === 'tree-chain');
  const hopCosts: number[] = [];
  for (const l of chain) {
    if (l.depth <= 1 || l.video.count === 0) continue;
    const direct = chain.find(
      (d) => d.run === l.run && d.sender === l.sender && d.depth === 1 && d.route === l.route,
    );
    if (direct) hopCosts.push((l.video.medianMs - direct.video.medianMs) / (l.depth - 1));
  }
  const hopAudio: number[] = [];
  for (const l of chain) {
    if (l.depth <= 1) continue;
    const direct = chain.find((d) => d.run === l.run && d.sender === l.sender && d.depth === 1);
    if (direct) hopAudio.push((l.audio.medianMs - direct.audio.medianMs) / (l.depth - 1));
  }
  const selfRows = ROUTES.map((route) => {
    const s = selfs.filter((l) => l.route === route && l.kind === 'self');
    return [
      route,
      med(s.map((l) => (l.kind === 'self' ? l.video.medianMs : Number.NaN))),
      med(s.map((l) => (l.kind === 'self' ? l.audio.medianMs : Number.NaN))),
    ];
  });

  const tables: BenchTable[] = [
    {
      title:
        'Glass-to-glass video and mouth-to-ear audio, ms (median over pairs and runs of each pair’s figure)',
      columns: [
        'route',
        'runs',
        'pairs',
        'video med',
        'video p95',
        'video max',
        'audio med',
        'audio p95',
        'audio max',
        'target',
        'load',
      ],
      rows,
    },
    {
      title: 'Cost of one relay hop (tree chain: (depth d − depth 1) / (d − 1), same run and sender), ms',
      columns: ['kind', 'samples', 'median', 'min', 'max', 'target'],
      rows: [
        ['video', hopCosts.length, med(hopCosts), Math.min(...hopCosts), Math.max(...hopCosts), '≤ 50'],
        ['audio', hopAudio.length, med(hopAudio), Math.min(...hopAudio), Math.max(...hopAudio), '≤ 50'],
      ],
    },
    {
      title:
        'The floor: the clinician’s own probe camera and microphone read back in its page (no network), ms',
      columns: ['route', 'video med', 'audio med'],
      rows: selfRows,
    },
    {
      title: 'Failed runs',
      columns: ['route', 'run', 'why'],
      rows: failures.map((l) => (l.kind === 'failed' ? [l.route, l.run, l.reason] : [])),
    },
    notesTable(NOTES, load),
  ];
  return {
    name: 'latency',
    tables,
    results: {
      options: SCENARIO_OPTIONS,
      loadAverage: load,
      perRelayHopMs: { video: med(hopCosts), audio: med(hopAudio) },
      pairs,
      self: selfs,
      failures,
      notes: NOTES,
    },
  };
}

const NOTES = [
  'Chromium (Debian) pages on the call-engine fixture, the real server and coturn, in a loopback-only network',
  'namespace. Camera: a 320x240 canvas (30 paints/s) with the sender’s clock as 48 black/white blocks; microphone:',
  'a 150 ms beep every second of the shared clock at a per-sender frequency. Video latency = the receiving',
  'frame’s expected display time (requestVideoFrameCallback) − the painted time; audio = onset found by an',
  'AudioWorklet on the received track − the beep instant (up to Web Audio rendering; no output device here).',
  'p2p: two people. p2p-turn: both with iceTransportPolicy relay through coturn on loopback. tree: four people,',
  'routing.forceTopology tree + forceTreeChain, so each sender’s stream goes a → b → c → d (depths 1, 2, 3;',
  'every relay decodes and re-encodes). sfu: two people through mediasoup (forceTopology sfu).',
  'Only the clinician sends video (everyone beeps): video pairs are the clinician’s receivers, audio pairs all.',
  'Per pair: ≥ 150 frames and ≥ 8 beeps after media flowed; each cell is the median over pairs and runs.',
];
