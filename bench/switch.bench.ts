// Every switch of media path a call makes, and the media gap each costs a receiver (issue 15): p2p <-> tree,
// a relay leaving and a relay's tab crashing (audio, tree scenarios), p2p <-> SFU and tree <-> SFU (video, make
// before break), and an SFU worker dying mid-call. Each is a real Chromium call in a loopback-only namespace:
// the tree gaps come from bench/support/tree-call-scenarios.ts (part `gaps`), the others from runs of the browser
// tests that assert those switches work and print the gap as `MEASURE`. Targets (issue 15): an announced switch
// < 150 ms worst gap per receiver (median of runs), a relay crash < 1 s, an SFU worker death < 2 s.
import os from 'node:os';
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import { type BenchReport, notesTable, percentile, taggedLines } from './report.ts';
import { sfuRunEnv } from './support/sfu-env.ts';
import {
  GAP_EVENTS,
  LINE_TAG,
  PART_ENV,
  SCENARIO_OPTIONS,
  type ScenarioLine,
} from './support/tree-call-scenarios.ts';

/** Runs of each browser test (the tree scenarios run SCENARIO_OPTIONS.gapRuns times). */
const RUNS = 3;
const browserDir = path.resolve(import.meta.dirname, '../tests/browser');
const treeScenarios = path.resolve(import.meta.dirname, 'support/tree-call-scenarios.ts');

/** The browser tests that measure a switch, and the `MEASURE <switch>: longest frame gap N ms` lines they print. */
const VIDEO_TESTS = ['sfu-migration.test.ts', 'tree-sfu-migration.test.ts', 'sfu-worker-restart.test.ts'];
const VIDEO_LINE = /MEASURE ([a-z0-9>-]+): longest frame gap (\d+) ms \[([^\]]*)\](?:; steady (\d+) ms)?/g;
/** The moves onto the SFU a waiting guest's admission makes: measured with warm standby and without (before). */
const STANDBY_TESTS = new Set(['sfu-migration.test.ts', 'tree-sfu-migration.test.ts']);
const REACHED_LINE = /MEASURE ([a-z0-9>-]+): they all receive via the SFU (\d+) ms after the admission/g;
/** The suffix of a switch measured with media.standby off (tests/browser/sfu-standby.ts reads the variable). */
const NO_STANDBY = ' (no standby)';

type Target = { ms: number; why: string };
const ANNOUNCED: Target = { ms: 150, why: 'announced switch' };
const TARGETS: Record<string, Target> = {
  'relay-crashed': { ms: 1000, why: 'relay crash' },
  'sfu-worker-died': { ms: 2000, why: 'SFU worker death' },
};

interface SwitchSample {
  /** The worst gap any receiver saw in one run (ms). */
  worstMs: number;
  /** Each affected receiver's gap in that run. */
  pairsMs: number[];
  /**
   * The gap the call has anyway, to tell what the switch adds: video, the longest gap over 3 s of the call just
   * before the switch; audio, the longest gap of the pairs the switch did not touch (none for some switches).
   */
  floorMs: number | null;
}

export default async function run(): Promise<BenchReport> {
  const loadBefore = os.loadavg()[0]!;
  const samples = new Map<string, { metric: string; runs: SwitchSample[] }>();
  const failures: string[] = [];
  const add = (name: string, metric: string, sample: SwitchSample) => {
    const entry = samples.get(name) ?? { metric, runs: [] };
    entry.runs.push(sample);
    samples.set(name, entry);
  };

  // Trees: audio, the longest silence between two packets of a sender at a receiver.
  const tree = await runInLoopbackNamespace(treeScenarios, {
    quiet: true,
    env: { NODE_ENV: 'test', [PART_ENV]: 'gaps' },
    timeoutMs: 600_000,
  });
  for (const line of taggedLines<ScenarioLine>(tree.output, LINE_TAG)) {
    if (line.kind === 'gap') {
      add(line.event, 'audio packets', {
        worstMs: Math.max(...line.affectedMs),
        pairsMs: line.affectedMs,
        floorMs: line.unaffectedMs.length ? Math.max(...line.unaffectedMs) : null,
      });
    } else if (line.kind === 'gap-failed') failures.push(`tree gap run ${line.run}: ${line.reason}`);
  }
  if (tree.code !== 0) failures.push(`tree scenarios exited ${tree.code}: ${tree.output.slice(-500)}`);

  // Video through the SFU: the longest time between two frames a tile presented. The moves a waiting guest's
  // admission makes run with warm standby off too (the "before"), alternating so load drifts hit both alike.
  const reached = new Map<string, number[]>();
  const env = sfuRunEnv();
  const variants = (file: string) => (STANDBY_TESTS.has(file) ? ['', NO_STANDBY] : ['']);
  for (const file of VIDEO_TESTS) {
    for (let i = 1; i <= RUNS; i++) {
      for (const variant of variants(file)) {
        const { code, output } = await runInLoopbackNamespace(path.join(browserDir, file), {
          quiet: true,
          env: variant ? { ...env, CONSULTA_SWITCH_STANDBY: 'off' } : env,
        });
        if (code !== 0) {
          failures.push(`${file}${variant} run ${i} failed: ${failureOf(output)}`);
          continue;
        }
        for (const m of output.matchAll(REACHED_LINE)) {
          const key = `${m[1]}${variant}`;
          reached.set(key, [...(reached.get(key) ?? []), Number(m[2])]);
        }
        const lines = [...output.matchAll(VIDEO_LINE)];
        for (const m of lines) {
          // "clinician<-patient 260 ms, ...": every pair's own longest gap.
          const pairs = [...m[3]!.matchAll(/ (\d+) ms/g)].map((x) => Number(x[1]));
          add(`${m[1]!}${variant}`, 'video frames', {
            worstMs: Number(m[2]),
            pairsMs: pairs,
            floorMs: m[4] === undefined ? null : Number(m[4]),
          });
        }
        // A run that passed but printed nothing would leave its switch unmeasured without a word.
        if (lines.length === 0) failures.push(`${file}${variant} run ${i}: no MEASURE line`);
      }
    }
  }
  const load = { before: loadBefore, after: os.loadavg()[0]! };

  const order = [...GAP_EVENTS, 'p2p->sfu', 'sfu->p2p', 'tree->sfu', 'sfu->tree', 'sfu-worker-died'];
  const rank = (name: string) =>
    order.indexOf(name.replace(NO_STANDBY, '')) + (name.endsWith(NO_STANDBY) ? 0.5 : 0);
  const names = [...samples.keys()].sort((a, b) => rank(a) - rank(b));
  const toSfu = [...reached.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([name, ms]) => ({
      switch: name,
      runs: ms.length,
      medianMs: percentile(ms, 50),
      maxMs: Math.max(...ms),
    }));
  const summary = names.map((name) => {
    const { metric, runs } = samples.get(name)!;
    const worst = runs.map((r) => r.worstMs);
    const target = TARGETS[name.replace(NO_STANDBY, '')] ?? ANNOUNCED;
    const median = percentile(worst, 50);
    const floors = runs.flatMap((r) => (r.floorMs === null ? [] : [r.floorMs]));
    return {
      switch: name,
      metric,
      runs: runs.length,
      medianWorstMs: median,
      maxWorstMs: Math.max(...worst),
      pairMedianMs: percentile(
        runs.flatMap((r) => r.pairsMs),
        50,
      ),
      floorMedianMs: floors.length ? percentile(floors, 50) : null,
      targetMs: target.ms,
      target: target.why,
      met: median < target.ms,
    };
  });
  return {
    name: 'switch',
    results: {
      runs: RUNS,
      treeGapRuns: SCENARIO_OPTIONS.gapRuns,
      loadAverage: load,
      summary,
      admittedToSfu: toSfu,
      failures,
    },
    tables: [
      {
        title: 'Media gap per switch of path: worst gap a receiver saw, per run (ms)',
        columns: ['switch', 'measured on', 'runs', 'median', 'max', 'pair median', 'floor', 'target', 'met'],
        rows: summary.map((s) => [
          s.switch,
          s.metric,
          s.runs,
          s.medianWorstMs,
          s.maxWorstMs,
          s.pairMedianMs,
          s.floorMedianMs ?? '-',
          `< ${s.targetMs} (${s.target})`,
          s.met ? 'yes' : 'no',
        ]),
      },
      {
        title:
          'A waiting guest admitted: until everyone who stays receives through the SFU (ms, polled every 100 ms)',
        columns: ['switch', 'runs', 'median', 'max'],
        rows: toSfu.map((r) => [r.switch, r.runs, r.medianMs, r.maxMs]),
      },
      {
        title: 'Runs that failed',
        columns: ['run'],
        rows: failures.length ? failures.map((f) => [f]) : [['none']],
      },
      notesTable(NOTES, load),
    ],
  };
}

const NOTES = [
  'Audio rows (tree scenarios, bench/support/tree-call-scenarios.ts): the longest time between two packets of a',
  'sender at a receiver (getStats, 20 ms packets: ~20-30 ms is the floor), over old and new connections, for the',
  'pairs the switch touches: p2p-to-tree (the two already talking when a third joins), relay-left (pairs whose path',
  "ran through a relay that sent `leave`), tree-to-p2p (the last two), relay-crashed (pairs through a relay's tab",
  'that crashed: DevTools Page.crash, no leave, no handover; a room of its own with 4 peers, the 4th weak).',
  'Video rows (Chromium, 320x240 at 15 fps: 67 ms between frames is the floor): the longest time between two',
  'frames a tile presented (requestVideoFrameCallback) from the switch on, over every pair of the people who',
  'stay: p2p->sfu / sfu->p2p (tests/browser/sfu-migration.test.ts, a third joins and leaves), tree->sfu /',
  'sfu->tree (tree-sfu-migration.test.ts, treeMaxParticipants 3, a fourth joins and leaves), sfu-worker-died',
  '(sfu-worker-restart.test.ts: SIGKILL of the mediasoup worker; the room is rebuilt on a new worker).',
  'median: median over runs of the worst receiver in each run (the target is on this); max: worst of all runs.',
  'floor: the gap the call has anyway (median over runs): video, the longest frame gap over the 3 s of steady call',
  'just before the switch; audio, the longest gap of the pairs the switch did not touch. What a switch costs is',
  'its gap above this floor; on this shared 2-core machine the video floor alone is near the 150 ms target.',
  '(no standby): the same switch with media.standby off, run alternately with it on in the same bench run. With',
  'standby, the people in the call build their SFU path while the guest waits (tests/browser/sfu-standby.ts asserts',
  'it carries nothing then); the admission only resumes it. Second table: from the admission until every pair of',
  'the people who stay receives frames and audio through the SFU (the switch is then up to make before break).',
];

/**
 * What a failed test run says went wrong: its first assertion or error message (the test's own words, e.g. which
 * wait timed out), else the end of its output. The end alone is the runner's stack, which names no test.
 */
function failureOf(output: string): string {
  const messages = [...output.matchAll(/(?:AssertionError \[ERR_ASSERTION\]|Error): (.+)/g)].map(
    (m) => m[1]!,
  );
  // A run wrapped in its namespace re-run says only that the run failed; the test's own message follows it.
  const message = messages.find((m) => !m.startsWith('the namespaced run failed'));
  return (message ?? output.slice(-300)).replace(/\s+/g, ' ').trim();
}
