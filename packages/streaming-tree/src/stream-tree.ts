// One sender's distribution tree over peer slots. Children are an intrusive doubly linked list so that
// moving a subtree is O(1) plus a walk of that subtree to refresh depths. A count of members per depth is kept
// in step with every depth change, so the deepest level is known without a walk (rebalance asks it of every
// tree on every step, and at 1000 peers a walk per tree cost more than the step itself).

const NONE = -1;

/**
 * One explicit stack for every tree walk (walks never nest), as a typed array: a per-tree `number[]` emptied
 * with `length = 0` showed up as a tenth of a leave's time at 1000 peers.
 */
let walk = new Int32Array(1024);
const walkRoom = (size: number) => {
  if (walk.length < size) walk = new Int32Array(Math.max(size, 2 * walk.length));
};

/** The tree carrying one sender's stream; `depth` is -1 for members cut off from the sender. */
export class StreamTree {
  parent: Int32Array;
  depth: Int32Array;
  childCount: Int32Array;
  /** Members whose parent is -1 other than the root: roots of cut-off subtrees (kept by PlannerState). */
  detached = 0;
  /** Per slot: 1 + index of its change in the running operation's DiffBuilder, 0 when untouched. */
  diffMark: Int32Array;
  /** Connected members per depth. */
  private levels: Int32Array;
  /** An upper bound of the deepest non-empty level; lowered lazily by `maxLevel`. */
  private top = 0;
  private member: Uint8Array;
  private firstChild: Int32Array;
  private nextSibling: Int32Array;
  private prevSibling: Int32Array;

  constructor(
    readonly root: number,
    size: number,
  ) {
    this.parent = new Int32Array(size).fill(NONE);
    this.depth = new Int32Array(size).fill(NONE);
    this.childCount = new Int32Array(size);
    this.member = new Uint8Array(size);
    this.firstChild = new Int32Array(size).fill(NONE);
    this.nextSibling = new Int32Array(size).fill(NONE);
    this.prevSibling = new Int32Array(size).fill(NONE);
    this.levels = new Int32Array(size);
    this.diffMark = new Int32Array(size);
    this.member[root] = 1;
    this.setDepth(root, 0);
  }

  grow(size: number): void {
    const grown = (a: Int32Array, fill: number) => {
      const b = new Int32Array(size).fill(fill);
      b.set(a);
      return b;
    };
    this.parent = grown(this.parent, NONE);
    this.depth = grown(this.depth, NONE);
    this.childCount = grown(this.childCount, 0);
    this.firstChild = grown(this.firstChild, NONE);
    this.nextSibling = grown(this.nextSibling, NONE);
    this.prevSibling = grown(this.prevSibling, NONE);
    this.levels = grown(this.levels, 0);
    this.diffMark = grown(this.diffMark, 0);
    const m = new Uint8Array(size);
    m.set(this.member);
    this.member = m;
  }

  has(node: number): boolean {
    return this.member[node] === 1;
  }

  connected(node: number): boolean {
    return this.depth[node]! >= 0;
  }

  /** Depth of the deepest connected member (0 when only the root is connected). */
  maxLevel(): number {
    while (this.top > 0 && this.levels[this.top] === 0) this.top--;
    return this.top;
  }

  /** Adds `node` as a member without a parent (cut off until linked). */
  add(node: number): void {
    this.member[node] = 1;
    this.parent[node] = NONE;
    this.setDepth(node, NONE);
    this.childCount[node] = 0;
    this.firstChild[node] = NONE;
  }

  /** Removes a member that has neither parent nor children. */
  remove(node: number): void {
    this.member[node] = 0;
    this.parent[node] = NONE;
    this.setDepth(node, NONE);
  }

  link(child: number, parent: number): void {
    const head = this.firstChild[parent]!;
    this.parent[child] = parent;
    this.prevSibling[child] = NONE;
    this.nextSibling[child] = head;
    if (head !== NONE) this.prevSibling[head] = child;
    this.firstChild[parent] = child;
    this.childCount[parent]!++;
    const d = this.depth[parent]!;
    this.setDepths(child, d >= 0 ? d + 1 : NONE);
  }

  unlink(child: number): void {
    const parent = this.parent[child]!;
    const prev = this.prevSibling[child]!;
    const next = this.nextSibling[child]!;
    if (prev !== NONE) this.nextSibling[prev] = next;
    else this.firstChild[parent] = next;
    if (next !== NONE) this.prevSibling[next] = prev;
    this.childCount[parent]!--;
    this.parent[child] = NONE;
    this.setDepths(child, NONE);
  }

  children(node: number): number[] {
    const out: number[] = [];
    for (let c = this.firstChild[node]!; c !== NONE; c = this.nextSibling[c]!) out.push(c);
    return out;
  }

  /** `node` and all its descendants, pre-order. */
  subtree(node: number): number[] {
    const out: number[] = [];
    walkRoom(this.parent.length);
    const stack = walk;
    let top = 0;
    stack[top++] = node;
    while (top > 0) {
      const n = stack[--top]!;
      out.push(n);
      for (let c = this.firstChild[n]!; c !== NONE; c = this.nextSibling[c]!) stack[top++] = c;
    }
    return out;
  }

  /** Levels below `node` in its subtree (0 for a leaf). */
  height(node: number): number {
    if (this.firstChild[node] === NONE) return 0;
    let h = 0;
    const base = this.depth[node]!;
    if (base >= 0) {
      for (const n of this.subtree(node)) h = Math.max(h, this.depth[n]! - base);
      return h;
    }
    const level = new Map<number, number>([[node, 0]]);
    for (const n of this.subtree(node)) {
      const l = n === node ? 0 : level.get(this.parent[n]!)! + 1;
      level.set(n, l);
      h = Math.max(h, l);
    }
    return h;
  }

  private setDepths(node: number, depth: number): void {
    walkRoom(this.parent.length);
    const stack = walk;
    let top = 0;
    stack[top++] = node;
    this.setDepth(node, depth);
    while (top > 0) {
      const n = stack[--top]!;
      const d = depth < 0 ? NONE : this.depth[n]! + 1;
      for (let c = this.firstChild[n]!; c !== NONE; c = this.nextSibling[c]!) {
        this.setDepth(c, d);
        stack[top++] = c;
      }
    }
  }

  private setDepth(node: number, depth: number): void {
    const old = this.depth[node]!;
    if (old >= 0) this.levels[old]!--;
    if (depth >= 0) {
      this.levels[depth]!++;
      if (depth > this.top) this.top = depth;
    }
    this.depth[node] = depth;
  }
}
