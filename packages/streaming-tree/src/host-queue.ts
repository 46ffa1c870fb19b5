// The possible parents in one tree, best first, for re-attaching many subtrees in a row. `bestHost` scans every
// host, which is right for one receiver but made a leave at 1000 peers cost orphans × hosts (a strong relay has
// ~10 orphans in each of 1000 trees, ~400 hosts each). Same order as `bestHost`: shallowest, then most free
// slots, then oldest. Only the shallowest level with a free host is queued (a heap, usually a few dozen peers):
// every subtree re-attached meanwhile lands below that level, so it cannot hold a better host, and the next
// level is gathered by one more scan only when this one runs out.
import type { PeerTable } from './peer-table.ts';
import type { StreamTree } from './stream-tree.ts';

export class HostQueue {
  private heap = new Int32Array(0);
  /** Heap index of every slot in the queue, -1 otherwise. */
  private at = new Int32Array(0);
  private count = 0;
  private tree: StreamTree | undefined;
  /** Depth of the queued level; hosts deeper than it wait for the next scan. */
  private level = -1;

  constructor(private readonly peers: PeerTable) {}

  /**
   * Starts a batch for `tree`. Valid while the only changes to the tree and to loads are subtrees attached
   * under the queue's `best()`, each reported with `took`.
   */
  start(tree: StreamTree): void {
    this.clear();
    this.tree = tree;
    if (this.heap.length < this.peers.size) {
      this.heap = new Int32Array(this.peers.size);
      this.at = new Int32Array(this.peers.size).fill(-1);
    }
    this.level = -1;
    this.gather();
  }

  /** The best host, or -1 when there is none. */
  best(): number {
    return this.count > 0 ? this.heap[0]! : -1;
  }

  /** `host` just took one more child: it ranks lower, or leaves the queue when it is full. */
  took(host: number): void {
    const i = this.at[host]!;
    if (i < 0) return;
    if (this.peers.spare(host) > 0) this.down(i);
    else this.removeAt(i);
    if (this.count === 0) this.gather();
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) this.at[this.heap[i]!] = -1;
    this.count = 0;
    this.tree = undefined;
  }

  /** Queues the shallowest level below the current one that has a peer able to take a child. */
  private gather(): void {
    const tree = this.tree!;
    const { peers } = this;
    const { depth, root } = tree;
    // The sender is the only peer at depth 0; it may feed its own tree without being a relay.
    if (this.level < 0 && peers.spare(root) > 0) {
      this.level = 0;
      this.push(root);
      return;
    }
    const { hosts, hostCount } = peers;
    let next = -1;
    for (let i = 0; i < hostCount; i++) {
      const d = depth[hosts[i]!]!;
      if (d > this.level && (next < 0 || d < next)) next = d;
    }
    if (next < 0) return;
    this.level = next;
    for (let i = 0; i < hostCount; i++) {
      const s = hosts[i]!;
      if (depth[s] === next) this.push(s);
    }
  }

  private before(a: number, b: number): boolean {
    const depth = this.tree!.depth;
    const { capacity, load, seq } = this.peers;
    const da = depth[a]!;
    const db = depth[b]!;
    if (da !== db) return da < db;
    const sa = capacity[a]! - load[a]!;
    const sb = capacity[b]! - load[b]!;
    if (sa !== sb) return sa > sb;
    return seq[a]! < seq[b]!;
  }

  private push(slot: number): void {
    if (this.at[slot]! >= 0) return;
    const i = this.count++;
    this.place(slot, i);
    this.up(i);
  }

  private removeAt(i: number): void {
    const slot = this.heap[i]!;
    const last = this.heap[--this.count]!;
    this.at[slot] = -1;
    if (i === this.count) return;
    this.place(last, i);
    this.down(i);
    this.up(this.at[last]!);
  }

  /** Puts `slot` at heap position `i`, keeping its index in step. */
  private place(slot: number, i: number): void {
    this.heap[i] = slot;
    this.at[slot] = i;
  }

  private up(i: number): void {
    const heap = this.heap;
    const slot = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = heap[p]!;
      if (!this.before(slot, ps)) break;
      this.place(ps, i);
      i = p;
    }
    this.place(slot, i);
  }

  private down(i: number): void {
    const heap = this.heap;
    const slot = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.count) break;
      if (c + 1 < this.count && this.before(heap[c + 1]!, heap[c]!)) c++;
      const cs = heap[c]!;
      if (!this.before(cs, slot)) break;
      this.place(cs, i);
      i = c;
    }
    this.place(slot, i);
  }
}
