// Streaming trees in real Chromium (audio only, fake microphone), the real server, a loopback-only network
// namespace: BBVoice's Table 1 on our system (how long until a newcomer hears everyone, and everyone hears the
// newcomer, for growing rooms). The browser work runs in bench/support/tree-call-scenarios.ts (part `joins`);
// this collects its lines into tables. The media gaps of topology changes are bench/switch.bench.ts's.
import os from 'node:os';
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import { type BenchReport, type BenchTable, notesTable, percentile, taggedLines } from './report.ts';
import { LINE_TAG, PART_ENV, SCENARIO_OPTIONS, type ScenarioLine } from './support/tree-call-scenarios.ts';

const scenarioFile = path.resolve(import.meta.dirname, 'support/tree-call-scenarios.ts');

/** BBVoice (the BBVoice thesis, Table 1; docs/routing.md cites it): ms until peers start receiving, with 5, 7 and 10 peers. */
const THESIS: Record<number, { newPeer: number; existing: number }> = {
  5: { newPeer: 68, existing: 80 },
  7: { newPeer: 100, existing: 163 },
  10: { newPeer: 191, existing: 200 },
};

type JoinLine = Extract<ScenarioLine, { kind: 'join' }>;

export default async function run(): Promise<BenchReport> {
  // The machine is shared: say how busy it was, since every figure here is CPU-bound.
  const loadBefore = os.loadavg()[0]!;
  const { code, output } = await runInLoopbackNamespace(scenarioFile, {
    quiet: true,
    env: { NODE_ENV: 'test', [PART_ENV]: 'joins' },
    // The budget bounds when the last session starts; it may then grow a room for a minute or two.
    timeoutMs: SCENARIO_OPTIONS.budgetMs + 150_000,
  });
  const load = { before: loadBefore, after: os.loadavg()[0]! };
  const lines = taggedLines<ScenarioLine>(output, LINE_TAG);
  const joins = lines.filter((l): l is JoinLine => l.kind === 'join');
  if (code !== 0 || joins.length === 0) {
    throw new Error(`tree-call scenarios failed (exit ${code}):\n${output.slice(-6000)}`);
  }
  const stops = lines.filter((l) => l.kind === 'join-stop');

  const sizes = [...new Set([...joins.map((j) => j.peers), ...Object.keys(THESIS).map(Number)])].sort(
    (a, b) => a - b,
  );
  const joinRows = sizes.map((n) => {
    const s = joins.filter((j) => j.peers === n);
    const thesis = THESIS[n];
    const med = (f: (j: JoinLine) => number) => (s.length ? percentile(s.map(f), 50) : '-');
    const range = (f: (j: JoinLine) => number) =>
      s.length ? `${Math.min(...s.map(f))}-${Math.max(...s.map(f))}` : '-';
    return [
      n,
      s[0]?.topology ?? '-',
      s.length,
      med((j) => j.newPeerMs),
      range((j) => j.newPeerMs),
      thesis?.newPeer ?? '',
      med((j) => j.existingPeersMs),
      range((j) => j.existingPeersMs),
      thesis?.existing ?? '',
      med((j) => j.joinedMs),
      med((j) => j.planMs),
      med((j) => j.plans),
      med((j) => j.settledMs),
      s.length ? `${s[0]!.relayedEdges}/${s[0]!.maxDepth}/${s[0]!.maxUploads}` : '-',
      s.length ? s.reduce((sum, j) => sum + j.doubled.length, 0) : '-',
      med((j) => j.load),
    ];
  });

  const tables: BenchTable[] = [
    {
      title:
        'BBVoice Table 1 on Consulta: admit -> first audio packet (ms), tree topology, audio only, Chromium on loopback',
      columns: [
        'peers',
        'plan',
        'joins',
        'new peer',
        'range',
        'BBVoice',
        'existing',
        'range',
        'BBVoice',
        'joined',
        'routed',
        'plans',
        'settled',
        'relayed/depth/up',
        'doubled',
        'load',
      ],
      rows: joinRows,
    },
    {
      title:
        "Where a join's time goes, at the newcomer: admit -> each step, ms (median of joins; first/last of its connections)",
      columns: [
        'peers',
        'joins',
        'joined',
        'routed',
        'links',
        'answered first',
        'answered last',
        'connected first',
        'connected last',
        'new peer',
      ],
      rows: sizes.flatMap((n) => {
        const s = joins.filter((j) => j.peers === n);
        if (s.length === 0) return [];
        const med = (f: (j: JoinLine) => number | undefined) => {
          const v = s.map(f).filter((x): x is number => x !== undefined);
          return v.length ? percentile(v, 50) : '-';
        };
        return [
          [
            n,
            s.length,
            med((j) => j.joinedMs),
            med((j) => j.planMs),
            med((j) => j.steps.links),
            med((j) => j.steps.negotiated?.first),
            med((j) => j.steps.negotiated?.last),
            med((j) => j.steps.connected?.first),
            med((j) => j.steps.connected?.last),
            med((j) => j.newPeerMs),
          ],
        ];
      }),
    },
    {
      title: 'Where the growing rooms stopped',
      columns: ['session/run', 'peers', 'why', 'up', 'load'],
      rows: [
        ...stops.map((l) =>
          l.kind === 'join-stop' ? [`session ${l.session}`, l.peers, l.reason, l.maxUploads, l.load] : [],
        ),
        ...(stops.length === 0
          ? [['all sessions', SCENARIO_OPTIONS.maxPeers, 'reached the cap', '-', '-']]
          : []),
      ],
    },
    notesTable(NOTES, load),
  ];
  return {
    name: 'tree-call',
    tables,
    results: {
      options: SCENARIO_OPTIONS,
      loadAverage: load,
      thesis: THESIS,
      joins,
      stops,
      notes: NOTES,
    },
  };
}

const NOTES = [
  'peers: room size once the newcomer is in. BBVoice\'s text says "5, 7 and 10 existing peers", its table "5/7/10 peers".',
  'new peer: admit -> the newcomer has a first audio packet from every existing peer; existing: admit -> every',
  "existing peer has a first packet of the newcomer's stream. Arrival times come from getStats (inbound-rtp",
  'lastPacketReceivedTimestamp, counted back 20 ms per packet of the first batch), polled every 50 ms in the page.',
  'BBVoice: Chrome tabs on an 8-thread laptop, a Go server on a 1-vCPU cloud VM (a real network hop), its own',
  'signalling (newcomer messages, sender initiates), binary trees filled in arrival order; times in JS from join.',
  'Here: every page, the server (PGlite, no SFU) and Chromium on 2 cores shared with other work, over loopback.',
  'The clinician admits each guest from the waiting room; joined = admit -> `joined` at the newcomer. Its join',
  'carries its bandwidth, so one plan routes it: plans = plans the newcomer got by its last first packet, the one',
  "`joined` carries (the room's before it) included, so 2 is one plan per join.",
  'routed: admit -> the newcomer holds the first plan that routes it; new peer - routed = WebRTC set-up time.',
  'A session stops growing at the first join slower than 5 s or failing; later sessions go no further.',
  'Bandwidth (fixedBandwidth): clinician and first guest 2000/600 kbit/s up/down, then 100/600 (one 48 kbit/s copy:',
  'its stream must be relayed) and 2000/600 in turn; quality `audio`. relayed/depth/up: relayed edges, deepest',
  'path of the settled plan, up = the most copies one peer sends (each a PeerConnection with its own Opus encoder;',
  'a relay decodes and re-encodes). settled: admit -> every pair flows over the connection the final plan names.',
  'doubled: pairs still delivered over two connections (one the plan no longer names) 2 s after settling.',
  "Breakdown (second table), from the newcomer's page: routed = it holds the plan that routes it; answered = a",
  "connection's first offer/answer completed (signaling round trips through the server); connected = its",
  'connectionState became `connected` (ICE checks and the DTLS handshake done); new peer = its last first packet',
  '(encoders started, first RTP through). Each step is the first and the last of the connections it opened.',
];
