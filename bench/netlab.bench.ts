// The network-lab quality comparison (issue 10): for six mixes of access profiles (2-4 people), the policy's
// choice and each forced topology (full p2p mesh, tree, SFU) run 30 s on real shaped, lossy, NATed links; per
// receiver: decoded fps, freezes (inbound-rtp freezeCount / totalFreezesDuration), frame height, loss, RTT; per
// run the platform's egress (SFU and coturn). Also each client's reported bandwidth, before (congestion-control
// estimate) and after (link probe) this work, against the shaped rates. The browsers run in
// bench/support/netlab-scenarios.ts inside a lab of its own; this turns its lines into tables.
import os from 'node:os';
import path from 'node:path';
import { runInLab } from '../tests/support/netlab/index.ts';
import type { BenchReport, BenchTable } from './report.ts';
import { LINE_TAG, RUN_MS, SCENARIOS, type ScenarioLine } from './support/netlab-scenarios.ts';

const scenarioFile = path.resolve(import.meta.dirname, 'support/netlab-scenarios.ts');

type Run = Extract<ScenarioLine, { kind: 'run' }>;
type Bandwidth = Extract<ScenarioLine, { kind: 'bandwidth' }>;

export default async function run(): Promise<BenchReport> {
  const loadBefore = os.loadavg()[0]!;
  const { code, output } = await runInLab(scenarioFile, {
    args: [],
    quiet: true,
    env: { NODE_ENV: 'test' },
    timeoutMs: SCENARIOS.length * (4 * (RUN_MS + 90_000) + 180_000),
  });
  const loadAfter = os.loadavg()[0]!;
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith(LINE_TAG))
    .map((l) => JSON.parse(l.slice(LINE_TAG.length)) as ScenarioLine);
  const runs = lines.filter((l): l is Run => l.kind === 'run');
  if (code !== 0 || runs.length === 0) {
    throw new Error(`netlab scenarios failed (exit ${code}):\n${output.slice(-6000)}`);
  }
  const failures = lines.filter((l) => l.kind === 'failed');
  const bandwidth = lines.filter((l): l is Bandwidth => l.kind === 'bandwidth');

  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const summary = (r: Run) => ({
    fps: avg(r.receivers.map((x) => x.fps)),
    minFps: Math.min(...r.receivers.map((x) => x.fps)),
    freezeSeconds: r.receivers.reduce((n, x) => n + x.freezeSeconds, 0),
    freezes: r.receivers.reduce((n, x) => n + x.freezes, 0),
    height: Math.min(...r.receivers.map((x) => x.height)),
    loss: avg(r.receivers.map((x) => x.lossPercent)),
    rtt: avg(r.receivers.flatMap((x) => (x.rttMs === null ? [] : [x.rttMs]))),
    reportedLoss: r.receivers.map((x) => x.reportedLossPercent ?? '-').join(' / '),
  });

  const perRun: BenchTable = {
    title: `Per run (${RUN_MS / 1000} s each): mean decoded fps per stream, lowest receiver's fps, freezes, lowest frame height, loss, RTT, platform egress`,
    columns: [
      'scenario',
      'run',
      'topology',
      'quality',
      'fps',
      'min fps',
      'freezes',
      'freeze s',
      'height',
      'loss %',
      'reported loss %',
      'rtt ms',
      'SFU Mbit/s',
      'TURN Mbit/s',
    ],
    rows: runs.map((r) => {
      const s = summary(r);
      return [
        r.scenario,
        r.variant,
        r.topology,
        r.quality,
        s.fps,
        s.minFps,
        s.freezes,
        s.freezeSeconds,
        s.height,
        s.loss,
        s.reportedLoss,
        s.rtt,
        r.sfuMbps,
        r.turnMbps,
      ];
    }),
  };

  // The target: the policy's choice within 10 % of the best forced topology on freeze time and decoded fps.
  const verdictRows: Array<Array<string | number>> = [];
  const verdicts: Array<{
    scenario: string;
    fpsOk: boolean;
    freezeOk: boolean;
    betterThanMesh: boolean | null;
  }> = [];
  for (const sc of SCENARIOS) {
    const mine = runs.filter((r) => r.scenario === sc.name);
    const policy = mine.find((r) => r.variant === 'policy');
    const forced = mine.filter((r) => r.variant !== 'policy');
    if (!policy || forced.length === 0) continue;
    const p = summary(policy);
    const bestFps = Math.max(...forced.map((r) => summary(r).fps));
    const bestFreeze = Math.min(...forced.map((r) => summary(r).freezeSeconds));
    const mesh = forced.find((r) => r.variant === 'p2p');
    const fpsOk = p.fps >= 0.9 * bestFps;
    // Freeze time: within 10 % of the best, or within 1 s when the best is (near) zero.
    const freezeOk = p.freezeSeconds <= Math.max(bestFreeze * 1.1, bestFreeze + 1);
    const constrained = sc.profiles.some((x) => x !== 'fibre');
    const m = mesh ? summary(mesh) : null;
    // A policy that picked the mesh itself (p2p) is the mesh: two runs of one route differ by noise only.
    const betterThanMesh =
      m && constrained && policy.topology !== 'p2p'
        ? p.fps >= m.fps && p.freezeSeconds <= m.freezeSeconds
        : null;
    verdicts.push({ scenario: sc.name, fpsOk, freezeOk, betterThanMesh });
    verdictRows.push([
      sc.name,
      `${policy.topology} ${policy.quality}`,
      p.fps,
      bestFps,
      fpsOk ? 'yes' : 'NO',
      p.freezeSeconds,
      bestFreeze,
      freezeOk ? 'yes' : 'NO',
      m ? `${m.fps.toFixed(1)} fps / ${m.freezeSeconds.toFixed(1)} s` : '-',
      betterThanMesh === null ? '-' : betterThanMesh ? 'yes' : 'NO',
    ]);
  }
  const verdictTable: BenchTable = {
    title:
      'Policy vs the best forced topology (target: within 10 % on fps and freeze time; better than mesh where a link is constrained)',
    columns: [
      'scenario',
      'policy chose',
      'fps',
      'best forced fps',
      'fps ok',
      'freeze s',
      'best forced freeze s',
      'freeze ok',
      'mesh',
      'beats mesh',
    ],
    rows: verdictRows,
  };

  const bwTable: BenchTable = {
    title:
      'Reported bandwidth vs shaped, kbit/s up/down: before (congestion-control estimate) and after (link probe)',
    columns: ['scenario', 'profile', 'shaped', 'before', 'before %', 'after', 'after %'],
    rows: bandwidth.map((b) => {
      const pct = (x: [number, number] | null) =>
        x ? `${Math.round((100 * x[0]) / b.shaped[0])} / ${Math.round((100 * x[1]) / b.shaped[1])}` : '-';
      const fmt = (x: [number, number] | null) => (x ? `${x[0]} / ${x[1]}` : '-');
      return [b.scenario, b.profile, fmt(b.shaped), fmt(b.legacy), pct(b.legacy), fmt(b.probe), pct(b.probe)];
    }),
  };
  const tables = [verdictTable, perRun, bwTable];
  if (failures.length) {
    tables.push({
      title: 'Runs that failed',
      columns: ['scenario', 'run', 'error'],
      rows: failures.map((f) => [
        f.scenario,
        (f as { variant?: string }).variant ?? '-',
        (f as { error: string }).error.slice(0, 160),
      ]),
    });
  }
  return {
    name: 'netlab',
    tables,
    results: { runMs: RUN_MS, loadBefore, loadAfter, runs, bandwidth, verdicts, failures },
  };
}
