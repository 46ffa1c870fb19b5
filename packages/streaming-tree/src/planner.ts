import { join } from './join.ts';
import { leave } from './leave.ts';
import { PlannerState } from './planner-state.ts';
import { rebalance } from './rebalance.ts';
import type { PlannerOptions, PlanResult, TreeEdge, TreePeer, TreeSnapshot } from './types.ts';
import { updateUplink } from './uplink.ts';

/** Incremental planner for one session's streaming trees; every mutation returns the edges to change. */
export interface TreePlanner {
  /** Adds a peer to every tree and builds its own; all or nothing. */
  join(peer: TreePeer): PlanResult;
  /** Removes a peer; orphaned subtrees are re-parented whole. */
  leave(peerId: string): PlanResult;
  /**
   * New uplink for a peer, and optionally whether it may relay (it may become eligible once its bandwidth is
   * measured); sheds children it can no longer serve.
   */
  updateUplink(peerId: string, uplinkKbps: number, relay?: boolean): PlanResult;
  /** Background improvement step changing at most `maxEdgeChanges` edges. */
  rebalance(maxEdgeChanges: number): PlanResult;
  /** All trees, oldest sender first. Allocates every edge: meant for tests and tooling, not hot paths. */
  trees(): TreeSnapshot[];
  /** Who forwards `streamId` to `peerId`; undefined for the sender itself, unknown ids and cut-off receivers. */
  parentOf(streamId: string, peerId: string): string | undefined;
  /** Hops from sender to `peerId` in `streamId`'s tree; undefined when it has no path or is unknown. */
  depthOf(streamId: string, peerId: string): number | undefined;
  /** Live peer ids in join order. */
  peerIds(): string[];
}

/** Creates an empty planner for streams of `options.bitrateKbps`. */
export function createTreePlanner(options: PlannerOptions): TreePlanner {
  if (!(options.bitrateKbps > 0)) throw new RangeError('bitrateKbps must be positive');
  const state = new PlannerState({
    bitrateKbps: options.bitrateKbps,
    maxDepth: options.maxDepth ?? Number.POSITIVE_INFINITY,
    minRelaySlots: options.minRelaySlots ?? 2,
  });
  const { peers } = state;
  const treeOf = (streamId: string) => {
    const s = peers.slotOf(streamId);
    return s === undefined ? undefined : state.trees[s];
  };
  return {
    join: (peer) => join(state, peer),
    leave: (peerId) => leave(state, peerId),
    updateUplink: (peerId, kbps, relay) => updateUplink(state, peerId, kbps, relay),
    rebalance: (maxEdgeChanges) => rebalance(state, maxEdgeChanges),
    trees: () =>
      state.liveTrees().map((tree) => {
        const streamId = peers.ids[tree.root]!;
        const edges: TreeEdge[] = [];
        const unplaced: string[] = [];
        for (const n of peers.live) {
          if (n === tree.root || !tree.has(n)) continue;
          const p = tree.parent[n]!;
          if (p >= 0) edges.push({ streamId, parent: peers.ids[p]!, child: peers.ids[n]! });
          if (!tree.connected(n)) unplaced.push(peers.ids[n]!);
        }
        return { streamId, edges, unplaced };
      }),
    parentOf: (streamId, peerId) => {
      const tree = treeOf(streamId);
      const n = peers.slotOf(peerId);
      if (!tree || n === undefined || !tree.connected(n)) return undefined;
      const p = tree.parent[n]!;
      return p >= 0 ? peers.ids[p] : undefined;
    },
    depthOf: (streamId, peerId) => {
      const tree = treeOf(streamId);
      const n = peers.slotOf(peerId);
      if (!tree || n === undefined || !tree.connected(n)) return undefined;
      return tree.depth[n];
    },
    peerIds: () => peers.live.map((s) => peers.ids[s]!),
  };
}
