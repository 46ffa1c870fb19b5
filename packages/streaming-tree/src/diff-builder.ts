import type { TreeDiff, TreeEdge } from './types.ts';

/** Collects the edge changes of one operation; an edge removed and created again cancels out. */
export class DiffBuilder {
  private readonly net = new Map<string, { edge: TreeEdge; delta: number }>();

  create(edge: TreeEdge): void {
    this.change(edge, 1);
  }

  remove(edge: TreeEdge): void {
    this.change(edge, -1);
  }

  build(): TreeDiff {
    const diff: TreeDiff = { create: [], remove: [] };
    for (const { edge, delta } of this.net.values()) {
      if (delta > 0) diff.create.push(edge);
      else if (delta < 0) diff.remove.push(edge);
    }
    return diff;
  }

  private change(edge: TreeEdge, delta: number): void {
    const key = `${edge.streamId}\u0000${edge.parent}\u0000${edge.child}`;
    const entry = this.net.get(key);
    if (entry) entry.delta += delta;
    else this.net.set(key, { edge, delta });
  }
}
