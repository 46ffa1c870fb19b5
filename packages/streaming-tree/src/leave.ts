import type { PlannerState } from './planner-state.ts';
import type { StreamTree } from './stream-tree.ts';
import type { PlanResult, UnplacedReceiver } from './types.ts';

/**
 * Removes a peer. Its own tree goes away; in every other tree each orphaned subtree is re-parented whole
 * (one new edge per orphan) under the best host, so no other receiver reconnects.
 */
export function leave(state: PlannerState, peerId: string): PlanResult {
  const { peers } = state;
  const slot = peers.slotOf(peerId);
  if (slot === undefined) {
    return { ok: false, diff: { create: [], remove: [] }, unplaced: [], failure: 'unknown-peer' };
  }
  dropOwnTree(state, state.trees[slot]!);
  state.trees[slot] = undefined;
  const unplaced: UnplacedReceiver[] = [];
  for (const sender of peers.live) {
    if (sender !== slot) removeFromTree(state, state.trees[sender]!, slot, unplaced);
  }
  peers.remove(slot);
  const diff = state.takeDiff();
  return unplaced.length === 0
    ? { ok: true, diff, unplaced }
    : { ok: false, diff, unplaced, failure: 'capacity-exhausted' };
}

function dropOwnTree(state: PlannerState, tree: StreamTree): void {
  // Leaves first so every cut is a single edge and no subtree walk is repeated.
  const nodes = tree.subtree(tree.root).reverse();
  for (const n of state.peers.live) {
    if (n !== tree.root && tree.has(n) && tree.parent[n] === -1) nodes.push(...tree.subtree(n).reverse());
  }
  for (const n of nodes) {
    if (tree.parent[n]! >= 0) state.move(tree, n, -1);
    if (n !== tree.root) state.removeMember(tree, n);
  }
}

/** Takes `slot` out of `tree`, re-parents its orphans and adds those left without a parent to `unplaced`. */
function removeFromTree(
  state: PlannerState,
  tree: StreamTree,
  slot: number,
  unplaced: UnplacedReceiver[],
): void {
  // A leaf (most peers in most trees) costs one edge and no search.
  if (tree.childCount[slot] === 0) {
    state.move(tree, slot, -1);
    state.removeMember(tree, slot);
    return;
  }
  const orphans = tree.children(slot);
  for (const o of orphans) state.move(tree, o, -1);
  state.move(tree, slot, -1);
  state.removeMember(tree, slot);
  // Strong orphans first: once re-attached they can host the orphans that follow.
  const { peers } = state;
  if (orphans.length > 1) orphans.sort(strongestFirst(peers));
  state.reattachAll(tree, orphans);
  if (tree.detached > 0) unplaced.push(...state.unplacedIn(tree, orphans));
}

const strongestFirst =
  (peers: PlannerState['peers']) =>
  (a: number, b: number): number =>
    peers.relay[b]! - peers.relay[a]! || peers.spare(b) - peers.spare(a) || peers.seq[a]! - peers.seq[b]!;
