import type { PlannerState } from './planner-state.ts';
import type { StreamTree } from './stream-tree.ts';
import type { PlanResult, UnplacedReceiver } from './types.ts';

/**
 * Applies a new uplink measurement (and relay permission, when given). Extra capacity is only recorded (the next rebalance may use it); lost
 * capacity is shed at once by re-parenting children elsewhere, relayed streams before the peer's own.
 */
export function updateUplink(
  state: PlannerState,
  peerId: string,
  uplinkKbps: number,
  relay?: boolean,
): PlanResult {
  const { peers } = state;
  const slot = peers.slotOf(peerId);
  if (slot === undefined) {
    return { ok: false, diff: { create: [], remove: [] }, unplaced: [], failure: 'unknown-peer' };
  }
  if (relay !== undefined) peers.wantsRelay[slot] = relay ? 1 : 0;
  peers.setUplink(slot, uplinkKbps);
  const unplaced: UnplacedReceiver[] = [];
  const shed = edgesToShed(state, slot);
  // Cut every shed edge before re-attaching any, so a shed child never lands under another one being shed.
  for (const [tree, child] of shed) state.move(tree, child, -1);
  // Strong children first: once re-attached they can host the ones that follow (as on leave).
  shed.sort(
    ([, a], [, b]) =>
      peers.relay[b]! - peers.relay[a]! || peers.spare(b) - peers.spare(a) || peers.seq[a]! - peers.seq[b]!,
  );
  for (const [tree, child] of shed) {
    if (!state.reattach(tree, child)) unplaced.push(...state.unplacedIn(tree, [child]));
  }
  const diff = state.takeDiff();
  return unplaced.length === 0
    ? { ok: true, diff, unplaced }
    : { ok: false, diff, unplaced, failure: 'capacity-exhausted' };
}

/**
 * Which children `slot` must give up: all relayed ones if it may no longer relay, then as many as it is over
 * capacity, smallest subtrees first (fewest receivers see a depth change). Its own stream's first hop goes last,
 * and there the children that cannot relay go first: the ones kept must carry the others.
 */
function edgesToShed(state: PlannerState, slot: number): Array<[StreamTree, number]> {
  const { peers } = state;
  const relayed: Array<[StreamTree, number, number]> = [];
  const own: Array<[StreamTree, number, number]> = [];
  for (const sender of peers.live) {
    const tree = state.trees[sender]!;
    if (!tree.has(slot) || tree.childCount[slot] === 0) continue;
    for (const c of tree.children(slot)) {
      (sender === slot ? own : relayed).push([tree, c, tree.subtree(c).length]);
    }
  }
  const bySize = (a: [StreamTree, number, number], b: [StreamTree, number, number]) =>
    a[2] - b[2] || peers.seq[a[0].root]! - peers.seq[b[0].root]! || peers.seq[a[1]]! - peers.seq[b[1]]!;
  relayed.sort(bySize);
  own.sort((a, b) => peers.relay[a[1]]! - peers.relay[b[1]]! || bySize(a, b));
  const excess = peers.load[slot]! - peers.capacity[slot]!;
  const mustDropRelayed = peers.relay[slot] === 0 ? relayed.length : 0;
  const count = Math.max(mustDropRelayed, excess);
  return [...relayed, ...own].slice(0, Math.max(0, count)).map(([t, c]) => [t, c]);
}
