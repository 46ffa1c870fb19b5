import type { TreeEdge } from './types.ts';

/**
 * Every sender's tree as a single chain, for measuring what each relay hop costs (the latency bench forces it
 * with `routing.forceTreeChain`): with peers p0..p(n-1) in the given order, sender pi's stream goes
 * pi -> p(i+1) -> … -> p(i-1) (wrapping), so in one call of n peers every sender has a receiver at each depth
 * 1..n-1, and every peer relays at most n-2 streams. Ignores capacity: a diagnostic, never a plan for patients.
 */
export function chainEdges(peerIds: readonly string[]): TreeEdge[] {
  const n = peerIds.length;
  const edges: TreeEdge[] = [];
  for (let s = 0; s < n; s++) {
    for (let hop = 1; hop < n; hop++) {
      edges.push({
        streamId: peerIds[s]!,
        parent: peerIds[(s + hop - 1) % n]!,
        child: peerIds[(s + hop) % n]!,
      });
    }
  }
  return edges;
}
