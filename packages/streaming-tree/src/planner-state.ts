import { DiffBuilder } from './diff-builder.ts';
import { PeerTable } from './peer-table.ts';
import type { StreamTree } from './stream-tree.ts';
import type { PlannerOptions, UnplacedReceiver } from './types.ts';

/** Everything the operations share: peers, one tree per sender slot, and the current operation's log. */
export class PlannerState {
  readonly peers: PeerTable;
  readonly trees: Array<StreamTree | undefined> = [];
  readonly maxDepth: number;
  diff = new DiffBuilder();
  /** Inverse steps of the running operation, when it may have to be rolled back. */
  undo: Array<() => void> | undefined;
  /** Receivers currently without a path from their sender, counted so rebalance can skip the search. */
  cutOff = 0;
  /** Where the next rebalance pass starts, so successive calls visit every tree. */
  cursor = 0;

  constructor(readonly options: Required<PlannerOptions>) {
    this.maxDepth = options.maxDepth;
    this.peers = new PeerTable(options.bitrateKbps, options.minRelaySlots, (size) => {
      for (const t of this.trees) t?.grow(size);
    });
  }

  /** Operation boundary: returns the edge changes since the last call. */
  takeDiff() {
    const d = this.diff.build();
    this.diff = new DiffBuilder();
    return d;
  }

  /** Points `child` of `tree` at `to` (-1 cuts it off), keeping loads and the diff in step. */
  move(tree: StreamTree, child: number, to: number): void {
    const from = tree.parent[child]!;
    if (from === to) return;
    const { peers } = this;
    const streamId = peers.ids[tree.root]!;
    if (from >= 0) {
      tree.unlink(child);
      peers.addLoad(from, -1);
      this.diff.remove({ streamId, parent: peers.ids[from]!, child: peers.ids[child]! });
    } else {
      this.cutOff--;
    }
    if (to >= 0) {
      tree.link(child, to);
      peers.addLoad(to, 1);
      this.diff.create({ streamId, parent: peers.ids[to]!, child: peers.ids[child]! });
    } else {
      this.cutOff++;
    }
    this.undo?.push(() => this.move(tree, child, from));
  }

  /** Makes `node` a member of `tree`, not yet connected. */
  addMember(tree: StreamTree, node: number): void {
    tree.add(node);
    this.cutOff++;
    this.undo?.push(() => this.removeMember(tree, node));
  }

  /** Drops a member that has already been cut from its parent and children. */
  removeMember(tree: StreamTree, node: number): void {
    tree.remove(node);
    this.cutOff--;
  }

  /** May `slot` forward stream `tree` to one more child? */
  canHost(tree: StreamTree, slot: number): boolean {
    const p = this.peers;
    return (
      tree.connected(slot) && p.capacity[slot]! > p.load[slot]! && (p.relay[slot] === 1 || slot === tree.root)
    );
  }

  /**
   * The parent for a subtree of `height` levels: shallowest connected peer with a free slot, then the one
   * with most free slots (spends strong uplinks first), then the oldest. -1 when none fits.
   */
  bestHost(tree: StreamTree, height: number): number {
    const { capacity, load, seq } = this.peers;
    const depthLimit = this.maxDepth - 1 - height;
    let best = -1;
    let bestDepth = 0;
    let bestSpare = 0;
    const { hosts, hostCount } = this.peers;
    const depth = tree.depth;
    // The sender may always feed its own tree; anyone else must be a relay with a free slot.
    for (let i = -1; i < hostCount; i++) {
      const s = i < 0 ? tree.root : hosts[i]!;
      const d = depth[s]!;
      if (d < 0 || d > depthLimit) continue;
      const spare = capacity[s]! - load[s]!;
      if (spare <= 0) continue;
      if (
        best < 0 ||
        d < bestDepth ||
        (d === bestDepth && (spare > bestSpare || (spare === bestSpare && seq[s]! < seq[best]!)))
      ) {
        best = s;
        bestDepth = d;
        bestSpare = spare;
      }
    }
    return best;
  }

  /** Height of `node`'s subtree, computed only when a depth limit makes it matter. */
  heightFor(tree: StreamTree, node: number): number {
    return Number.isFinite(this.maxDepth) ? tree.height(node) : 0;
  }

  /** Re-parents the cut-off subtree `node` under the best host; false when nothing can take it. */
  reattach(tree: StreamTree, node: number): boolean {
    const host = this.bestHost(tree, this.heightFor(tree, node));
    if (host < 0) return false;
    this.move(tree, node, host);
    return true;
  }

  unplacedIn(tree: StreamTree, nodes: number[]): UnplacedReceiver[] {
    const streamId = this.peers.ids[tree.root]!;
    return nodes.filter((n) => !tree.connected(n)).map((n) => ({ streamId, peerId: this.peers.ids[n]! }));
  }

  /** Live trees, oldest sender first. */
  liveTrees(): StreamTree[] {
    return this.peers.live.map((s) => this.trees[s]!);
  }
}
