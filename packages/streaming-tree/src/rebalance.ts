import type { PlannerState } from './planner-state.ts';
import type { StreamTree } from './stream-tree.ts';
import type { PlanResult } from './types.ts';

/**
 * One background step, at most `maxEdgeChanges` edges (created + removed). First re-attaches receivers cut
 * off by earlier failures (one edge each), then lifts deep subtrees under shallower peers with free slots
 * (two edges each). Every lift strictly lowers the sum of depths over all trees, so repeated steps settle.
 */
export function rebalance(state: PlannerState, maxEdgeChanges: number): PlanResult {
  let budget = maxEdgeChanges;
  if (state.cutOff > 0) budget = reattachCutOff(state, budget);
  const trees = state.liveTrees();
  let idle = 0;
  while (budget >= 2 && idle < trees.length) {
    const tree = trees[state.cursor % trees.length]!;
    state.cursor = (state.cursor + 1) % trees.length;
    const lift = findLift(state, tree);
    if (lift) {
      state.move(tree, lift.node, lift.host);
      budget -= 2;
      idle = 0;
    } else {
      idle++;
    }
  }
  const unplaced = state.liveTrees().flatMap((t) => state.unplacedIn(t, cutOffRoots(state, t)));
  const diff = state.takeDiff();
  return unplaced.length === 0
    ? { ok: true, diff, unplaced }
    : { ok: false, diff, unplaced, failure: 'capacity-exhausted' };
}

function cutOffRoots(state: PlannerState, tree: StreamTree): number[] {
  if (tree.detached === 0) return [];
  return state.peers.live.filter((n) => n !== tree.root && tree.has(n) && tree.parent[n] === -1);
}

function reattachCutOff(state: PlannerState, budget: number): number {
  let left = budget;
  for (const tree of state.liveTrees()) {
    for (const n of cutOffRoots(state, tree)) {
      if (left < 1) return left;
      if (state.reattach(tree, n)) left--;
    }
  }
  return left;
}

/**
 * The subtree whose move under the best host gains most: host h is the shallowest peer with a free slot,
 * and moving subtree x (depth dx >= dh + 2) saves (dx - dh - 1) hops for each of its receivers.
 */
function findLift(state: PlannerState, tree: StreamTree): { node: number; host: number } | undefined {
  // Cheap exits first, from the per-level counts: most trees at scale are settled and must cost O(1), not a
  // scan of the hosts and a walk of the tree (1000 trees per idle pass at 1000 peers).
  const deepest = tree.maxLevel();
  if (deepest < 2) return undefined;
  // Without a free slot at the sender every host is at depth >= 1, so a lift needs depth >= 3.
  if (deepest < 3 && !(state.peers.spare(tree.root) > 0 && state.maxDepth >= 1)) return undefined;
  const host = state.bestHost(tree, 0);
  if (host < 0) return undefined;
  const hostDepth = tree.depth[host]!;
  if (deepest < hostDepth + 2) return undefined;
  const order = tree.subtree(tree.root);
  // Post-order accumulation of subtree sizes over the pre-order list.
  const size = state.scratch();
  for (const n of order) size[n] = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    const s = size[n]! + 1;
    size[n] = s;
    const p = tree.parent[n]!;
    if (p >= 0) size[p]! += s;
  }
  const seq = state.peers.seq;
  let best = -1;
  let bestGain = 0;
  for (const n of order) {
    const d = tree.depth[n]!;
    if (d < hostDepth + 2) continue;
    const gain = (d - hostDepth - 1) * size[n]!;
    if (gain > bestGain || (gain === bestGain && best >= 0 && seq[n]! < seq[best]!)) {
      best = n;
      bestGain = gain;
    }
  }
  return best < 0 ? undefined : { node: best, host };
}
