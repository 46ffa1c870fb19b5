// The network-lab quality comparison, run inside a lab (bench/netlab.bench.ts starts it with runInLab). For each
// scenario (a mix of access profiles, 2-4 people) one call is built; then the policy's own choice and each forced
// topology (full p2p mesh, tree, SFU: routing.forceTopology, switched between runs of the same call) run for
// RUN_MS each, and every receiver's getStats deltas over that window are printed as `NETLAB {json}` lines:
// decoded fps, freezes, frame height, loss, RTT, plus the platform's egress (SFU and coturn) from the lab's
// counters. Each client's reported bandwidth (link probe) and the old estimate (congestion controllers) are
// printed too, against the shaped rates.
import type { Plan } from '@consulta/protocol';
import type { Topology } from '@consulta/routing-policy';
import {
  LabCall,
  type LabParticipant,
  labId,
  NetLab,
  PROFILES,
  type ProfileName,
  type ReceivedMedia,
  sleep,
} from '../../tests/support/netlab/index.ts';

export const LINE_TAG = 'NETLAB ';
export const RUN_MS = Number(process.env.NETLAB_RUN_MS ?? 30_000);
/**
 * Time the call runs on the policy's plan before the first measured run. Every join probes its link (a few
 * seconds of bulk transfer), and the congestion controllers ramp up after: the variant measured first carried
 * all of it (53 s of freezes on the policy's run in one scenario where the same tree measured later had none).
 */
export const WARMUP_MS = Number(process.env.NETLAB_WARMUP_MS ?? 15_000);

export const SCENARIOS: Array<{ name: string; profiles: ProfileName[] }> = [
  { name: '2: fibre + dsl', profiles: ['fibre', 'dsl'] },
  { name: '2: 4g + weak mobile', profiles: ['4g', 'weak-mobile'] },
  { name: '3: fibre + dsl + 4g', profiles: ['fibre', 'dsl', '4g'] },
  { name: '3: dsl x2 + weak mobile', profiles: ['dsl', 'dsl', 'weak-mobile'] },
  { name: '4: fibre x2 + weak mobile x2', profiles: ['fibre', 'fibre', 'weak-mobile', 'weak-mobile'] },
  { name: '4: fibre + dsl + 4g + symmetric NAT', profiles: ['fibre', 'dsl', '4g', 'symmetric-nat'] },
];

export type VariantName = 'policy' | Topology;
/**
 * The policy's own choice runs last, like every forced topology after a switch and the same settling time: run
 * first it carried the call's start (probes, ramp-up, ICE settling on a relay on a busy machine), and the same
 * topology measured later did better (12.3 against 14.6 fps for one tree).
 */
const VARIANTS: VariantName[] = ['p2p', 'tree', 'sfu', 'policy'];

export type ScenarioLine =
  | {
      kind: 'run';
      scenario: string;
      variant: VariantName;
      topology: string;
      quality: string;
      receivers: Array<{ name: string; profile: string; senders: number } & Window>;
      sfuMbps: number;
      turnMbps: number;
    }
  | {
      kind: 'bandwidth';
      scenario: string;
      profile: string;
      shaped: [number, number];
      probe: [number, number] | null;
      legacy: [number, number] | null;
    }
  | { kind: 'failed'; scenario: string; variant?: string; error: string };

/** One receiver's figures over a window, summed over the senders it receives. */
interface Window {
  fps: number;
  freezes: number;
  freezeSeconds: number;
  height: number;
  lossPercent: number;
  rttMs: number | null;
  /** The receive loss its client last reported to the server (what the policy's lossy-path rule reads). */
  reportedLossPercent?: number | null;
}

const emit = (line: ScenarioLine) => console.log(`${LINE_TAG}${JSON.stringify(line)}`);

async function runScenario(lab: NetLab, scenario: (typeof SCENARIOS)[number], index: number): Promise<void> {
  // Background replans every 2 s, so a switch of the forced topology takes effect quickly.
  const call = await LabCall.start({ overrides: { routing: { rebalanceIntervalSeconds: 2 } } });
  try {
    const people: LabParticipant[] = [];
    for (const [i, profile] of scenario.profiles.entries()) {
      const host = await lab.addHost(`s${index}p${i}`, profile);
      const name = `${profile}#${i}`;
      people.push(i === 0 ? await call.addClinician(name, host) : await call.addGuest(name, host));
    }
    // Everyone measured: the policy plans with real figures.
    await call.settledPlan((p) => !p.reasons.some((r) => r.code === 'bandwidth-unknown'), 90_000);
    for (const p of people) {
      const reports = await p.page.evaluate(() => window.lab.bandwidthReports());
      const legacy = await p.page.evaluate(() => window.lab.legacyEstimate());
      const shaped = PROFILES[p.host.profile.name as ProfileName];
      const first = reports[0]?.sample;
      emit({
        kind: 'bandwidth',
        scenario: scenario.name,
        profile: shaped.name,
        shaped: [shaped.upKbps, shaped.downKbps],
        probe: first ? [first.uplinkKbps, first.downlinkKbps] : null,
        legacy: legacy ? [legacy.uplinkKbps, legacy.downlinkKbps] : null,
      });
    }
    await sleep(WARMUP_MS);
    for (const variant of VARIANTS) {
      try {
        call.server.config.routing.forceTopology = variant === 'policy' ? null : variant;
        const plan = await call.settledPlan(
          (p) =>
            variant === 'policy'
              ? !p.reasons.some((r) => r.code === 'forced-by-config')
              : p.topology === variant && p.reasons.some((r) => r.code === 'forced-by-config'),
          60_000,
        );
        // Let the new path settle (make before break, congestion control ramping) before measuring.
        await sleep(6000);
        emit(await measure(call, lab, scenario.name, variant, plan));
      } catch (err) {
        emit({ kind: 'failed', scenario: scenario.name, variant, error: String(err).slice(0, 500) });
      }
    }
  } finally {
    await call.close();
  }
}

async function measure(
  call: LabCall,
  lab: NetLab,
  scenario: string,
  variant: VariantName,
  plan: Plan,
): Promise<ScenarioLine> {
  const snap = () => Promise.all(call.participants.map((p) => p.page.evaluate(() => window.lab.received())));
  const egress0 = await lab.egressBytes();
  const t0 = Date.now();
  const before = await snap();
  const rtts: number[][] = call.participants.map(() => []);
  const end = t0 + RUN_MS;
  while (Date.now() < end) {
    await sleep(Math.min(5000, end - Date.now()));
    const mid = await snap();
    mid.forEach((r, i) => {
      for (const m of Object.values(r)) if (m.rttSeconds !== null) rtts[i]!.push(m.rttSeconds * 1000);
    });
  }
  const after = await snap();
  const egress1 = await lab.egressBytes();
  const reported = await Promise.all(
    call.participants.map(async (p) => {
      const reports = await p.page.evaluate(() => window.lab.bandwidthReports());
      return reports.at(-1)?.sample.receiveLossPercent ?? null;
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  const receivers = call.participants.map((p, i) => {
    const w = windowOf(before[i]!, after[i]!, seconds);
    const r = rtts[i]!;
    return {
      name: p.name,
      profile: p.host.profile.name,
      senders: call.participants.length - 1,
      ...w,
      rttMs: r.length ? Math.round(r.reduce((a, b) => a + b, 0) / r.length) : null,
      reportedLossPercent: reported[i] ?? null,
    };
  });
  return {
    kind: 'run',
    scenario,
    variant,
    topology: plan.topology,
    quality: plan.quality,
    receivers,
    sfuMbps: ((egress1.sfu - egress0.sfu) * 8) / seconds / 1e6,
    turnMbps: ((egress1.turn - egress0.turn) * 8) / seconds / 1e6,
  };
}

/** Per-receiver deltas, summed over the senders it receives (fps per sender averaged). */
function windowOf(
  a: Record<string, ReceivedMedia>,
  b: Record<string, ReceivedMedia>,
  seconds: number,
): Window {
  let frames = 0;
  let freezes = 0;
  let freezeSeconds = 0;
  let height = 0;
  let received = 0;
  let lost = 0;
  const senders = Object.keys(b);
  for (const s of senders) {
    const x = a[s];
    const y = b[s]!;
    // A sender whose connection was replaced restarts its counters: count from zero then.
    const base = x && y.framesDecoded >= x.framesDecoded ? x : undefined;
    frames += y.framesDecoded - (base?.framesDecoded ?? 0);
    freezes += y.freezeCount - (base?.freezeCount ?? 0);
    freezeSeconds += y.totalFreezesDuration - (base?.totalFreezesDuration ?? 0);
    received += y.videoPacketsReceived - (base?.videoPacketsReceived ?? 0);
    lost += y.videoPacketsLost - (base?.videoPacketsLost ?? 0);
    height = Math.max(height, y.frameHeight);
  }
  const n = Math.max(1, senders.length);
  return {
    fps: frames / seconds / n,
    freezes: Math.max(0, freezes),
    freezeSeconds: Math.max(0, freezeSeconds),
    height,
    lossPercent: received + lost > 0 ? (100 * Math.max(0, lost)) / (received + lost) : 0,
    rttMs: null,
  };
}

if (labId()) {
  const only = process.env.NETLAB_SCENARIOS?.split(',').map(Number);
  const lab = await NetLab.create();
  try {
    for (const [i, s] of SCENARIOS.entries()) {
      if (only && !only.includes(i)) continue;
      try {
        await runScenario(lab, s, i);
      } catch (err) {
        emit({ kind: 'failed', scenario: s.name, error: String(err).slice(0, 500) });
      }
    }
  } finally {
    await lab.close();
  }
}
