import { DiffBuilder } from './diff-builder.ts';
import { HostQueue } from './host-queue.ts';
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
  /** Scratch for `reattachAll`, reused so a leave allocates no heap per tree. */
  private readonly queue: HostQueue;
  private scratchArray = new Int32Array(0);

  constructor(readonly options: Required<PlannerOptions>) {
    this.maxDepth = options.maxDepth;
    this.peers = new PeerTable(options.bitrateKbps, options.minRelaySlots, (size) => {
      for (const t of this.trees) t?.grow(size);
    });
    this.queue = new HostQueue(this.peers);
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
    if (from >= 0) {
      tree.unlink(child);
      peers.addLoad(from, -1);
    } else {
      this.cutOff--;
      tree.detached--;
    }
    if (to >= 0) {
      tree.link(child, to);
      peers.addLoad(to, 1);
    } else {
      this.cutOff++;
      tree.detached++;
    }
    const { ids } = peers;
    const parentBefore = from >= 0 ? ids[from] : undefined;
    this.diff.moved(tree, child, ids[tree.root]!, ids[child]!, parentBefore, to >= 0 ? ids[to] : undefined);
    this.undo?.push(() => this.move(tree, child, from));
  }

  /** Makes `node` a member of `tree`, not yet connected. */
  addMember(tree: StreamTree, node: number): void {
    tree.add(node);
    this.cutOff++;
    tree.detached++;
    this.undo?.push(() => this.removeMember(tree, node));
  }

  /** Drops a member that has already been cut from its parent and children. */
  removeMember(tree: StreamTree, node: number): void {
    tree.remove(node);
    this.cutOff--;
    tree.detached--;
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
    // The sender is the only peer at depth 0, so when it has a free slot nobody can beat it.
    if (depthLimit >= 0 && capacity[tree.root]! > load[tree.root]!) return tree.root;
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

  /**
   * `reattach` for each of `nodes` in turn (cut-off subtrees of one tree), with the same choices, but one scan of
   * the hosts for the whole batch instead of one per node. Between the calls only these moves may change the tree.
   */
  reattachAll(tree: StreamTree, nodes: number[]): void {
    const { queue } = this;
    let started = false;
    for (const node of nodes) {
      const depthLimit = this.maxDepth - 1 - this.heightFor(tree, node);
      if (depthLimit < 0) continue;
      // The sender's free slot (bestHost's answer too) needs no queue; once it is full it stays full here.
      let host = tree.root;
      if (started || this.peers.spare(host) <= 0) {
        if (!started) queue.start(tree);
        started = true;
        host = queue.best();
        if (host < 0 || tree.depth[host]! > depthLimit) continue;
      }
      this.move(tree, node, host);
      if (started) queue.took(host);
    }
    if (started) queue.clear();
  }

  /** A per-slot working array (contents undefined) for one computation at a time. */
  scratch(): Int32Array {
    if (this.scratchArray.length < this.peers.size) this.scratchArray = new Int32Array(this.peers.size);
    return this.scratchArray;
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
