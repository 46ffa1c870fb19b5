// Drives the planner and the BBVoice baseline through the same seeded session: a build-up to N peers, then
// churn (one leave and one join per round, each followed by a background rebalance step).
import { createTreePlanner, type TreePlanner } from '../src/index.ts';
import { BinaryTreeBaseline } from './baseline.ts';
import { drawPeer, prng, type SimPeer } from './population.ts';

export interface SessionSpec {
  peers: number;
  rounds: number;
  seed: number;
  bitrateKbps: number;
  /** Edge budget of the rebalance step after every operation. */
  rebalanceEdges: number;
}

/** Raw samples of one session; times in ms. */
export interface SessionSamples {
  ours: PlannerSamples & {
    rebalanceMs: number[];
    /**
     * CPU time of the same operations (process.cpuUsage): unlike wall time it does not count time the process
     * waited for a core, which on a shared machine is most of a wall-clock p99.
     */
    cpuMs: { join: number[]; leave: number[]; rebalance: number[] };
    failedJoins: number;
    unplacedAfterLeave: number;
  };
  baseline: PlannerSamples;
  /** Edges touching a TURN-only peer in our final trees (each costs relay egress). */
  turnEdges: number;
  relayOnly: number;
  finalPeers: number;
}

export interface PlannerSamples {
  joinMs: number[];
  leaveMs: number[];
  edgesPerLeave: number[];
  depths: number[];
  /** Receiver-stream pairs whose path stays within every relay's uplink, over all pairs of the session. */
  served: number;
  pairs: number;
}

const emptySamples = (): PlannerSamples => ({
  joinMs: [],
  leaveMs: [],
  edgesPerLeave: [],
  depths: [],
  served: 0,
  pairs: 0,
});

export function simulateSession(spec: SessionSpec): SessionSamples {
  const rand = prng(spec.seed);
  const planner = createTreePlanner({ bitrateKbps: spec.bitrateKbps });
  const baseline = new BinaryTreeBaseline();
  const present = new Map<number, SimPeer>();
  const ours = {
    ...emptySamples(),
    rebalanceMs: [] as number[],
    cpuMs: { join: [] as number[], leave: [] as number[], rebalance: [] as number[] },
    failedJoins: 0,
    unplacedAfterLeave: 0,
  };
  const cpuSince = (start: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
  };
  const base = emptySamples();
  let next = 0;

  // Peers the planner could not place yet (a real server runs them on the SFU meanwhile); retried each round.
  const pending = new Set<SimPeer>();
  const plan = (peer: SimPeer) => {
    // As the policy does: a TURN-only peer sends one copy, since every further one is relay egress.
    const uplinkKbps = peer.relayOnly ? Math.min(peer.uplinkKbps, spec.bitrateKbps) : peer.uplinkKbps;
    const ok = planner.join({ id: peer.id, uplinkKbps, relay: peer.relay }).ok;
    if (ok) pending.delete(peer);
    else pending.add(peer);
    return ok;
  };
  const join = (measure: boolean) => {
    for (const p of [...pending]) plan(p);
    const n = next++;
    const peer = drawPeer(rand, `p${n}`);
    present.set(n, peer);
    const cpu = process.cpuUsage();
    let t = performance.now();
    const ok = plan(peer);
    if (measure) ours.joinMs.push(performance.now() - t);
    if (measure) ours.cpuMs.join.push(cpuSince(cpu));
    if (!ok) ours.failedJoins++;
    t = performance.now();
    baseline.join(n);
    if (measure) base.joinMs.push(performance.now() - t);
  };
  const leave = () => {
    const keys = [...present.keys()];
    const n = keys[Math.floor(rand() * keys.length)]!;
    const peer = present.get(n)!;
    const id = peer.id;
    present.delete(n);
    pending.delete(peer);
    const cpu = process.cpuUsage();
    let t = performance.now();
    const r = planner.leave(id);
    if (r.failure !== 'unknown-peer') {
      ours.leaveMs.push(performance.now() - t);
      ours.cpuMs.leave.push(cpuSince(cpu));
      ours.edgesPerLeave.push(r.diff.create.length + r.diff.remove.length);
      ours.unplacedAfterLeave += r.unplaced.length;
    }
    t = performance.now();
    base.edgesPerLeave.push(baseline.leave(n));
    base.leaveMs.push(performance.now() - t);
  };
  const rebalance = () => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    planner.rebalance(spec.rebalanceEdges);
    ours.rebalanceMs.push(performance.now() - t);
    ours.cpuMs.rebalance.push(cpuSince(cpu));
  };

  for (let i = 0; i < spec.peers; i++) join(false);
  ours.failedJoins = 0; // count only churn joins, where sessions already have their size
  for (let r = 0; r < spec.rounds; r++) {
    leave();
    rebalance();
    join(true);
    rebalance();
  }
  measureOurs(planner, present, ours);
  measureBaseline(baseline, present, spec.bitrateKbps, base);
  return {
    ours,
    baseline: base,
    turnEdges: countTurnEdges(planner, present),
    relayOnly: [...present.values()].filter((p) => p.relayOnly).length,
    finalPeers: present.size,
  };
}

function measureOurs(planner: TreePlanner, present: Map<number, SimPeer>, out: PlannerSamples): void {
  const ids = [...present.values()].map((p) => p.id);
  out.pairs = ids.length * (ids.length - 1);
  for (const s of ids) {
    for (const r of ids) {
      if (r === s) continue;
      const d = planner.depthOf(s, r);
      // Capacity is never exceeded, so a receiver with a path is served; a peer that failed to join is not.
      if (d === undefined) continue;
      out.depths.push(d);
      out.served++;
    }
  }
}

function measureBaseline(
  b: BinaryTreeBaseline,
  present: Map<number, SimPeer>,
  kbps: number,
  out: PlannerSamples,
): void {
  const slots = (n: number) => Math.floor(present.get(n)!.uplinkKbps / kbps);
  out.pairs = present.size * (present.size - 1);
  b.forEachReceiver(slots, (depth, served) => {
    out.depths.push(depth);
    if (served) out.served++;
  });
}

function countTurnEdges(planner: TreePlanner, present: Map<number, SimPeer>): number {
  const turn = new Set([...present.values()].filter((p) => p.relayOnly).map((p) => p.id));
  let count = 0;
  for (const t of planner.trees())
    for (const e of t.edges) if (turn.has(e.parent) || turn.has(e.child)) count++;
  return count;
}
