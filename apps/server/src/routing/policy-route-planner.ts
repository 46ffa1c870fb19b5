import type { Plan, PlanReason, TreeEdge } from '@consulta/protocol';
import {
  decideTopology,
  defaultPolicyConfig,
  type Participant,
  type PolicyConfig,
  type PolicyDecision,
  type Reason,
} from '@consulta/routing-policy';
import { createTreePlanner, type TreePeer, type TreePlanner } from '@consulta/streaming-tree';
import type { Member } from '../signaling/member.ts';
import type { Room } from '../signaling/room.ts';
import type { RoutePlanner } from '../signaling/route-planner.ts';

interface RoomRouting {
  decision?: PolicyDecision;
  tree?: {
    planner: TreePlanner;
    bitrateKbps: number;
    /** What the planner was last told of each peer. */
    uplinks: Map<string, { uplinkKbps: number; relay: boolean }>;
  };
}

/**
 * Adapts @consulta/routing-policy and @consulta/streaming-tree to live rooms. One tree planner is kept per room
 * while it is in tree mode, so a leave moves only the orphaned subtrees and a bandwidth change only the children
 * the peer can no longer carry; each call also runs one bounded rebalance step.
 */
export class PolicyRoutePlanner implements RoutePlanner {
  private readonly rooms = new Map<string, RoomRouting>();
  private readonly config: PolicyConfig;

  private readonly maxEdgeChanges: number;

  /** `sfuAvailable` says whether the server's SFU runs; without it the policy keeps large groups on trees. */
  constructor(
    routing: { treeMaxParticipants: number; rebalanceMaxEdgeChanges: number },
    private readonly sfuAvailable: () => boolean = () => true,
  ) {
    this.config = { ...defaultPolicyConfig, treeMaxParticipants: routing.treeMaxParticipants };
    this.maxEdgeChanges = routing.rebalanceMaxEdgeChanges;
  }

  plan(room: Room): Omit<Plan, 'version'> {
    const state = this.rooms.get(room.consultationId) ?? {};
    this.rooms.set(room.consultationId, state);
    const members = [...room.members.values()];
    const input = {
      participants: members.map(participantOf),
      recording: room.recording,
      config: this.config,
      sfuAvailable: this.sfuAvailable(),
    };
    let decision = decideTopology(input, state.decision);
    let edges: TreeEdge[] = [];
    if (decision.topology === 'tree') {
      const placed = this.syncTree(state, members, decision.bitrateKbps);
      if (placed) edges = placed;
      else {
        state.tree = undefined;
        decision = decideTopology({ ...input, treePlanningFailed: true }, decision);
      }
    }
    if (decision.topology !== 'tree') state.tree = undefined;
    state.decision = decision;
    return {
      topology: decision.topology,
      quality: decision.quality,
      reasons: decision.reasons.map(reasonOf),
      edges,
    };
  }

  forget(consultationId: string): void {
    this.rooms.delete(consultationId);
  }

  /** Brings the room's tree planner in line with its members; the edges of every tree, or null if some cannot be served. */
  private syncTree(state: RoomRouting, members: Member[], bitrateKbps: number): TreeEdge[] | null {
    const peers = new Map(members.map((m) => [m.participantId, this.treePeerOf(m)]));
    if (!state.tree || state.tree.bitrateKbps !== bitrateKbps) {
      // Entering tree mode or changing quality: build afresh, strongest first, which places best.
      const planner = createTreePlanner({ bitrateKbps, maxDepth: this.config.maxRelayHops });
      state.tree = { planner, bitrateKbps, uplinks: new Map() };
      const ordered = [...peers.values()].sort(
        (a, b) => b.uplinkKbps - a.uplinkKbps || a.id.localeCompare(b.id),
      );
      for (const p of ordered) {
        if (!planner.join(p).ok) return null;
        state.tree.uplinks.set(p.id, { uplinkKbps: p.uplinkKbps, relay: p.relay === true });
      }
    } else {
      const { planner, uplinks } = state.tree;
      for (const id of [...uplinks.keys()]) {
        if (peers.has(id)) continue;
        uplinks.delete(id);
        if (!planner.leave(id).ok) return null;
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
        if (result && !result.ok) return null;
      }
      planner.rebalance(this.maxEdgeChanges);
    }
    const trees = state.tree.planner.trees();
    if (trees.some((t) => t.unplaced.length > 0)) return null;
    return trees.flatMap((t) => t.edges).sort(compareEdges);
  }

  private treePeerOf(m: Member): TreePeer {
    const known = m.peer.uplinkKbps !== null;
    const uplink = m.peer.uplinkKbps ?? this.config.unknownUplinkKbps;
    return {
      id: m.participantId,
      uplinkKbps: Math.floor(uplink * this.config.bandwidthHeadroom),
      // Peers we know little about, that only reach us through TURN, or on phones, do not carry others' streams.
      relay: known && !m.relayOnly && this.config.relayDevices.includes(m.device),
    };
  }
}

function participantOf(m: Member): Participant {
  return {
    id: m.participantId,
    role: m.peer.role,
    ...(m.peer.uplinkKbps === null ? {} : { uplinkKbps: m.peer.uplinkKbps }),
    ...(m.peer.downlinkKbps === null ? {} : { downlinkKbps: m.peer.downlinkKbps }),
    relayOnly: m.relayOnly,
    device: m.device,
  };
}

/** The policy's reason as the wire carries it (the same fields; only those set are sent). */
function reasonOf(r: Reason): PlanReason {
  return {
    code: r.code,
    ...(r.peerId ? { peerId: r.peerId } : {}),
    ...(r.topology ? { topology: r.topology } : {}),
    ...(r.value !== undefined ? { value: r.value } : {}),
    ...(r.limit !== undefined ? { limit: r.limit } : {}),
  };
}

const compareEdges = (a: TreeEdge, b: TreeEdge) =>
  a.streamId.localeCompare(b.streamId) || a.child.localeCompare(b.child) || a.parent.localeCompare(b.parent);
