import type { Plan, PlanReason, TreeEdge } from '@consulta/protocol';
import {
  decideTopology,
  defaultPolicyConfig,
  foundNoTreeFit,
  type Participant,
  type PolicyConfig,
  type PolicyDecision,
  type Reason,
  type Topology,
  treeDepthLimit,
  treePeers,
} from '@consulta/routing-policy';
import { chainEdges, createTreePlanner, type TreePeer, type TreePlanner } from '@consulta/streaming-tree';
import type { Member, Waiting } from '../signaling/member.ts';
import type { Room } from '../signaling/room.ts';
import type { RoutePlanner } from '../signaling/route-planner.ts';
import { ReplanBudget } from './replan-budget.ts';

/** A member as the planner last accepted it (see ReplanBudget): what the policy and trees are computed from. */
type Accepted = Participant;

interface RoomRouting {
  decision?: PolicyDecision;
  tree?: {
    planner: TreePlanner;
    bitrateKbps: number;
    /** What the planner was last told of each peer. */
    uplinks: Map<string, { uplinkKbps: number; relay: boolean }>;
  };
  accepted: Map<string, Accepted>;
  /** A member's newer report waits for its budget: replan again later even off tree mode. */
  pending: boolean;
  /** routing.forceTopology when this room was last planned. */
  forced?: Topology | null;
  /** When (ms) a decision last found that no tree fits `cast`, the members' ids then (the settling rule). */
  noTreeFitAt?: number;
  cast?: string;
}

export interface RoutingSettings {
  treeMaxParticipants: number;
  rebalanceMaxEdgeChanges: number;
  /** Bandwidth changes one member may feed the planner: `burst` at once, then `perMinute`. */
  bandwidthChanges?: { perMinute: number; burst: number };
  /** Diagnostics and the network-lab bench: always this topology (the policy still picks the quality). */
  forceTopology?: Topology | null;
  /** Benchmarks only, with forceTopology 'tree': every sender's tree is one chain (see chainEdges). */
  forceTreeChain?: boolean;
  /** One-way latency budget, ms: trees may be only as deep as keeps their deepest receiver within it. */
  latencyBudgetMs?: number;
  /** After the SFU because no tree fit: seconds with no tree unfit (same people) before a tree is tried again. */
  treeRetrySeconds?: number;
}

/**
 * Adapts @consulta/routing-policy and @consulta/streaming-tree to live rooms. One tree planner is kept per room
 * while it is in tree mode, so a leave moves only the orphaned subtrees and a bandwidth change only the children
 * the peer can no longer carry; each call also runs one bounded rebalance step. Bandwidth reports reach the
 * planner through a per-member budget, so flapping or lying reports cannot make it replan without bound.
 */
export class PolicyRoutePlanner implements RoutePlanner {
  private readonly rooms = new Map<string, RoomRouting>();
  private readonly config: PolicyConfig;
  private readonly maxEdgeChanges: number;
  private readonly budget: ReplanBudget;
  private readonly now: () => number;

  /** `sfuAvailable` says whether the server's SFU runs; without it the policy keeps large groups on trees. */
  constructor(
    private readonly routing: RoutingSettings,
    private readonly sfuAvailable: () => boolean = () => true,
    now: () => number = Date.now,
  ) {
    this.config = {
      ...defaultPolicyConfig,
      treeMaxParticipants: routing.treeMaxParticipants,
      latency: {
        ...defaultPolicyConfig.latency,
        budgetMs: routing.latencyBudgetMs ?? defaultPolicyConfig.latency.budgetMs,
      },
      hysteresis: {
        ...defaultPolicyConfig.hysteresis,
        treeRetrySeconds: routing.treeRetrySeconds ?? defaultPolicyConfig.hysteresis.treeRetrySeconds,
      },
    };
    this.now = now;
    this.maxEdgeChanges = routing.rebalanceMaxEdgeChanges;
    this.budget = new ReplanBudget(routing.bandwidthChanges ?? { perMinute: 6, burst: 3 }, now);
  }

  plan(room: Room): Omit<Plan, 'version'> {
    const id = room.consultationId;
    const state: RoomRouting = this.rooms.get(id) ?? { accepted: new Map(), pending: false };
    this.rooms.set(id, state);
    const members = [...room.members.values()];
    const participants = this.accept(id, state, members);
    // Since when no tree fits these people: the policy's settling rule (routing-policy settling.ts).
    const cast = participants
      .map((p) => p.id)
      .sort()
      .join(' ');
    if (cast !== state.cast) state.noTreeFitAt = undefined;
    state.cast = cast;
    const noFit = state.noTreeFitAt;
    const input = {
      participants,
      recording: room.recording,
      ...(noFit === undefined ? {} : { sinceNoTreeFitSeconds: (this.now() - noFit) / 1000 }),
      // Declared shares, as they are now (a declaration is no bandwidth report: no budget holds it back).
      screenSharers: members.filter((m) => m.peer.media?.screenSharing === true).map((m) => m.participantId),
      config: this.config,
      sfuAvailable: this.sfuAvailable(),
    };
    let decision = decideTopology(input, state.decision);
    // Read on every plan, so a benchmark can switch it between runs of one call (the next round replans).
    const setting = this.routing.forceTopology ?? null;
    state.forced = setting;
    const forced = setting && (setting !== 'sfu' || input.sfuAvailable) ? setting : null;
    if (forced && participants.length > 1 && decision.topology !== forced)
      decision = { ...decision, topology: forced };
    let edges: TreeEdge[] = [];
    if (decision.topology === 'tree' && forced === 'tree' && this.routing.forceTreeChain) {
      // Read on every plan too; the chain follows the members' ids, so replans keep it.
      state.tree = undefined;
      edges = chainEdges(participants.map((p) => p.id).sort());
    } else if (decision.topology === 'tree') {
      const placed =
        this.syncTree(state, participants, decision.bitrateKbps) ??
        // Forced into a tree that does not fit: build it anyway (ignoring capacity) to measure how it fares.
        (forced === 'tree' ? this.unboundedTree(state, participants, decision.bitrateKbps) : null);
      if (placed) edges = placed;
      else {
        state.tree = undefined;
        decision = decideTopology({ ...input, treePlanningFailed: true }, decision);
      }
    }
    if (decision.topology !== 'tree') state.tree = undefined;
    if (foundNoTreeFit(decision)) state.noTreeFitAt = this.now();
    state.decision = decision;
    const reasons = decision.reasons.map(reasonOf);
    return {
      topology: decision.topology,
      quality: decision.quality,
      reasons: forced ? [{ code: 'forced-by-config', topology: forced }, ...reasons] : reasons,
      edges,
    };
  }

  /**
   * The policy's choice with the waiting guests admitted, from the figures it accepted for the members (and the
   * guests' reports from the waiting room), and its hysteresis from the room's last decision. A dry run: nothing
   * is accepted or remembered. Tree feasibility is the policy's estimate; the real plan may still fall back.
   */
  foresee(room: Room): Topology {
    const state = this.rooms.get(room.consultationId);
    const members = [...room.members.values()];
    const participants = [
      ...members.map((m) => state?.accepted.get(m.participantId) ?? participantOf(m)),
      ...[...room.lobby.values()].map(waitingParticipant),
    ];
    const sfuAvailable = this.sfuAvailable();
    const forced = this.routing.forceTopology ?? null;
    if (forced && (forced !== 'sfu' || sfuAvailable) && participants.length > 1) return forced;
    const input = {
      participants,
      recording: room.recording,
      screenSharers: members.filter((m) => m.peer.media?.screenSharing === true).map((m) => m.participantId),
      config: this.config,
      sfuAvailable,
    };
    return decideTopology(input, state?.decision).topology;
  }

  forget(consultationId: string): void {
    this.rooms.delete(consultationId);
    this.budget.forgetRoom(consultationId);
  }

  /** Whether a member's report is waiting for its budget (the room should be replanned again soon). */
  wantsReplan(consultationId: string): boolean {
    const state = this.rooms.get(consultationId);
    if (!state) return false;
    // A settling room is replanned by the background round too, so it moves once the hold is over.
    const settling = state.decision?.reasons[0]?.code === 'settling';
    return state.pending || settling || (state.forced ?? null) !== (this.routing.forceTopology ?? null);
  }

  /**
   * The participants as the planner may use them now: newcomers as they are, and a member's changed report only
   * when its budget allows (otherwise the figures accepted before stay in force and `pending` is set).
   */
  private accept(roomId: string, state: RoomRouting, members: Member[]): Participant[] {
    state.pending = false;
    const live = new Set(members.map((m) => m.participantId));
    for (const id of [...state.accepted.keys()]) {
      if (live.has(id)) continue;
      state.accepted.delete(id);
      this.budget.forgetMember(roomId, id);
    }
    return members.map((m) => {
      const now = participantOf(m);
      const before = state.accepted.get(m.participantId);
      // Shedding a relay that lost its connection is no bandwidth report: never held back (its children wait).
      const shedsLostRelay = m.relayLost === true && before?.relayOnly === false;
      if (
        before &&
        !sameReport(before, now) &&
        !shedsLostRelay &&
        !this.budget.take(roomId, m.participantId)
      ) {
        state.pending = true;
        return before;
      }
      state.accepted.set(m.participantId, now);
      return now;
    });
  }

  /** Brings the room's tree planner in line with its members; the edges of every tree, or null if some cannot be served. */
  private syncTree(state: RoomRouting, participants: Participant[], bitrateKbps: number): TreeEdge[] | null {
    const peers = new Map(this.treePeersOf(participants, bitrateKbps).map((p) => [p.id, p]));
    // When the incremental step cannot place everyone: re-parenting moves only the cut-off receivers, and some
    // changes need a tree turned around (a relay that lost its connection held a TURN-only sender's single copy;
    // now that copy must go to a peer that relays it on). The policy found trees feasible, so build afresh
    // before giving trees up for the SFU.
    const rebuild = () => {
      state.tree = undefined;
      return this.syncTree(state, participants, bitrateKbps);
    };
    let incremental = false;
    if (!state.tree || state.tree.bitrateKbps !== bitrateKbps) {
      // Entering tree mode or changing quality: build afresh, strongest first, which places best.
      // The latency budget's depth (the policy only picks trees when it is at least 1; a forced tree may not).
      const maxDepth = Math.max(1, treeDepthLimit(this.config));
      const planner = createTreePlanner({ bitrateKbps, maxDepth });
      state.tree = { planner, bitrateKbps, uplinks: new Map() };
      const ordered = [...peers.values()].sort(
        (a, b) => b.uplinkKbps - a.uplinkKbps || a.id.localeCompare(b.id),
      );
      for (const p of ordered) {
        if (!planner.join(p).ok) return null;
        state.tree.uplinks.set(p.id, { uplinkKbps: p.uplinkKbps, relay: p.relay === true });
      }
    } else {
      incremental = true;
      if (!updateTrees(state.tree, peers, this.maxEdgeChanges)) return rebuild();
    }
    const trees = state.tree.planner.trees();
    if (trees.some((t) => t.unplaced.length > 0)) return incremental ? rebuild() : null;
    return trees.flatMap((t) => t.edges).sort(compareEdges);
  }

  /** A forced tree for peers that do not fit: every peer may relay as if its uplink were plenty. */
  private unboundedTree(
    state: RoomRouting,
    participants: Participant[],
    bitrateKbps: number,
  ): TreeEdge[] | null {
    const plenty = participants.map((p): Participant => ({ ...p, uplinkKbps: 1_000_000, device: 'desktop' }));
    state.tree = undefined;
    return this.syncTree(state, plenty, bitrateKbps);
  }

  private treePeersOf(participants: Participant[], bitrateKbps: number): TreePeer[] {
    // The policy's own mapping (a TURN-only peer gets one stream's worth: it sends a single copy), with whole
    // kbit/s so a re-measured figure that rounds the same does not count as a change.
    return treePeers(participants, bitrateKbps, this.config).map((p) => ({
      ...p,
      uplinkKbps: Math.floor(p.uplinkKbps),
    }));
  }
}

/**
 * One incremental step of a room's tree planner towards `peers`: leaves, joins, changed uplinks, then a bounded
 * rebalance. False when a step failed (the caller still checks the trees for unplaced receivers).
 */
function updateTrees(
  tree: NonNullable<RoomRouting['tree']>,
  peers: ReadonlyMap<string, TreePeer>,
  maxEdgeChanges: number,
): boolean {
  const { planner, uplinks } = tree;
  for (const id of [...uplinks.keys()]) {
    if (peers.has(id)) continue;
    uplinks.delete(id);
    if (!planner.leave(id).ok) return false;
  }
  for (const p of peers.values()) {
    const known = uplinks.get(p.id);
    // A newcomer joins the trees before its bandwidth is measured (so it may not relay yet); its first
    // report must also grant relaying, or every relay stays on the peers present at the last rebuild.
    const result =
      known === undefined
        ? planner.join(p)
        : known.uplinkKbps !== p.uplinkKbps || known.relay !== p.relay
          ? planner.updateUplink(p.id, p.uplinkKbps, p.relay)
          : null;
    uplinks.set(p.id, { uplinkKbps: p.uplinkKbps, relay: p.relay === true });
    if (result && !result.ok) return false;
  }
  planner.rebalance(maxEdgeChanges);
  return true;
}

function participantOf(m: Member): Participant {
  return {
    id: m.participantId,
    role: m.peer.role,
    ...(m.peer.uplinkKbps === null ? {} : { uplinkKbps: m.peer.uplinkKbps }),
    ...(m.peer.downlinkKbps === null ? {} : { downlinkKbps: m.peer.downlinkKbps }),
    // A relay that lost its connection (Member.relayLost) sends at most its own stream, like a TURN-only peer.
    relayOnly: m.relayOnly || m.relayLost === true,
    device: m.device,
    ...(m.receiveLossPercent === undefined ? {} : { receiveLossPercent: m.receiveLossPercent }),
  };
}

/** A waiting guest as the policy would take them on admission: their report from the waiting room, if any. */
function waitingParticipant(w: Waiting): Participant {
  const report = w.bandwidth;
  return {
    id: w.participantId,
    role: w.peer.role,
    ...(report ? { uplinkKbps: report.uplinkKbps, downlinkKbps: report.downlinkKbps } : {}),
    relayOnly: report?.relayOnly ?? false,
    device: report?.device ?? 'laptop',
  };
}

function sameReport(a: Participant, b: Participant): boolean {
  return (
    a.uplinkKbps === b.uplinkKbps &&
    a.downlinkKbps === b.downlinkKbps &&
    a.relayOnly === b.relayOnly &&
    a.device === b.device &&
    a.role === b.role &&
    a.receiveLossPercent === b.receiveLossPercent
  );
}

/**
 * The policy's reason as the wire carries it (the same fields; only those set are sent), figures rounded: kbit/s
 * and ms to whole numbers, loss percentages to one decimal (the lossy-path limit to leave is 1.5 %).
 */
function reasonOf(r: Reason): PlanReason {
  const round = r.code === 'lossy-path' ? (v: number) => Math.round(v * 10) / 10 : Math.round;
  return {
    code: r.code,
    ...(r.peerId ? { peerId: r.peerId } : {}),
    ...(r.topology ? { topology: r.topology } : {}),
    ...(r.value !== undefined ? { value: round(r.value) } : {}),
    ...(r.limit !== undefined ? { limit: round(r.limit) } : {}),
  };
}

const compareEdges = (a: TreeEdge, b: TreeEdge) =>
  a.streamId.localeCompare(b.streamId) || a.child.localeCompare(b.child) || a.parent.localeCompare(b.parent);
