// What BBVoice implemented: per sender a binary tree filled in arrival order, rebuilt in full when a peer
// leaves, blind to bandwidth. Kept here only to measure the planner against.

/** Baseline planner over integer peer ids; every operation returns the number of edges it changed. */
export class BinaryTreeBaseline {
  /** Per sender: members in tree order, root first; the parent of position i is position (i - 1) >> 1. */
  private readonly trees = new Map<number, number[]>();
  private readonly arrivals: number[] = [];

  get size(): number {
    return this.arrivals.length;
  }

  join(peer: number): number {
    for (const order of this.trees.values()) order.push(peer);
    this.trees.set(peer, [peer, ...this.arrivals]);
    this.arrivals.push(peer);
    return 2 * this.arrivals.length - 2;
  }

  leave(peer: number): number {
    this.arrivals.splice(this.arrivals.indexOf(peer), 1);
    let changed = this.trees.get(peer)!.length - 1;
    this.trees.delete(peer);
    const scratch = new Int32Array(Math.max(...this.arrivals, peer) + 1);
    for (const [sender, order] of this.trees) {
      const next = order.filter((p) => p !== peer);
      changed += edgeChanges(order, next, scratch);
      this.trees.set(sender, next);
    }
    return changed;
  }

  /** Copies each peer uploads, summed over all trees. */
  loads(): Map<number, number> {
    const load = new Map<number, number>();
    for (const order of this.trees.values()) {
      for (let i = 1; i < order.length; i++) {
        const parent = order[(i - 1) >> 1]!;
        load.set(parent, (load.get(parent) ?? 0) + 1);
      }
    }
    return load;
  }

  /** Depth of each receiver in each tree, plus whether its whole path is within its relays' uplinks. */
  forEachReceiver(slots: (peer: number) => number, visit: (depth: number, served: boolean) => void): void {
    const load = this.loads();
    for (const order of this.trees.values()) {
      const served: boolean[] = [true];
      for (let i = 1; i < order.length; i++) {
        const p = (i - 1) >> 1;
        const parent = order[p]!;
        served[i] = served[p]! && (load.get(parent) ?? 0) <= slots(parent);
        visit(Math.floor(Math.log2(i + 1)), served[i]!);
      }
    }
  }
}

/** Edges that differ between two arrival orders of one tree (each changed parent: one removed, one created). */
function edgeChanges(before: number[], after: number[], parentBefore: Int32Array): number {
  for (let i = 1; i < before.length; i++) parentBefore[before[i]!] = before[(i - 1) >> 1]!;
  let changed = before.length - after.length; // the leaver's own edge into this tree
  for (let i = 1; i < after.length; i++) {
    if (parentBefore[after[i]!] !== after[(i - 1) >> 1]) changed += 2;
  }
  return changed;
}
