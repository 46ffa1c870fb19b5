import type { PlannerState } from './planner-state.ts';
import { StreamTree } from './stream-tree.ts';
import type { PlanResult, TreePeer } from './types.ts';

/**
 * Places a newcomer in every existing tree and builds its own tree. All or nothing: if any receiver cannot
 * get a parent, every step is undone and the result says `capacity-exhausted`.
 */
export function join(state: PlannerState, peer: TreePeer): PlanResult {
  const { peers } = state;
  if (peers.slotOf(peer.id) !== undefined) {
    return { ok: false, diff: { create: [], remove: [] }, unplaced: [], failure: 'duplicate-peer' };
  }
  const slot = peers.add(peer.id, peer.uplinkKbps, peer.relay ?? true);
  state.undo = [];
  const placed = joinExistingTrees(state, slot) && buildOwnTree(state, slot);
  const undo = state.undo;
  state.undo = undefined;
  if (!placed) {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
    state.trees[slot] = undefined;
    peers.remove(slot);
    state.takeDiff();
    return { ok: false, diff: { create: [], remove: [] }, unplaced: [], failure: 'capacity-exhausted' };
  }
  return { ok: true, diff: state.takeDiff(), unplaced: [] };
}

function joinExistingTrees(state: PlannerState, slot: number): boolean {
  for (const sender of state.peers.live) {
    if (sender === slot) continue;
    const tree = state.trees[sender]!;
    state.addMember(tree, slot);
    const host = state.bestHost(tree, 0);
    if (host >= 0) state.move(tree, slot, host);
    else if (!splice(state, tree, slot)) return false;
  }
  return true;
}

/**
 * No member has a free slot, but the newcomer does: it takes over one existing edge p -> c as p -> new -> c.
 * Costs the newcomer one slot and no one else anything. One slot stays reserved for its own stream.
 */
function splice(state: PlannerState, tree: StreamTree, slot: number): boolean {
  const { peers } = state;
  if (peers.relay[slot] === 0 || peers.spare(slot) < 2) return false;
  let bestParent = -1;
  let bestChild = -1;
  for (const p of peers.live) {
    const d = tree.depth[p]!;
    if (d < 0 || tree.childCount[p] === 0) continue;
    if (bestParent >= 0 && d >= tree.depth[bestParent]!) continue;
    for (const c of tree.children(p)) {
      if (d + 2 + state.heightFor(tree, c) > state.maxDepth) continue;
      bestParent = p;
      bestChild = c;
      break;
    }
  }
  if (bestParent < 0) return false;
  state.move(tree, bestChild, -1);
  state.move(tree, slot, bestParent);
  state.move(tree, bestChild, slot);
  return true;
}

/**
 * Breadth-first over peers ordered strongest first: the sender fills its free slots, then each relay in
 * queue order, so strong uplinks sit near the root and weak peers end up as leaves.
 */
function buildOwnTree(state: PlannerState, slot: number): boolean {
  const { peers } = state;
  const tree = new StreamTree(slot, peers.size);
  state.trees[slot] = tree;
  const others = peers.live.filter((s) => s !== slot);
  others.sort(
    (a, b) =>
      peers.relay[b]! - peers.relay[a]! || peers.spare(b) - peers.spare(a) || peers.seq[a]! - peers.seq[b]!,
  );
  const queue = [slot];
  let head = 0;
  for (const s of others) {
    state.addMember(tree, s);
    while (head < queue.length && !state.canHost(tree, queue[head]!)) head++;
    const parent = queue[head];
    if (parent === undefined || tree.depth[parent]! + 1 > state.maxDepth) return false;
    state.move(tree, s, parent);
    if (state.canHost(tree, s)) queue.push(s);
  }
  return true;
}
