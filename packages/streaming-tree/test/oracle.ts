// Independent checks of planner output, computed only from public snapshots and what the test fed in.
import assert from 'node:assert/strict';
import type { TreeDiff, TreeEdge, TreeSnapshot } from '../src/index.ts';

export interface PeerModel {
  uplinkKbps: number;
  relay: boolean;
}

export const edgeKey = (e: TreeEdge) => `${e.streamId}|${e.parent}|${e.child}`;

export function edgeSet(trees: TreeSnapshot[]): Set<string> {
  return new Set(trees.flatMap((t) => t.edges.map(edgeKey)));
}

/** Old edges minus `remove` plus `create` must be exactly the new edges. */
export function assertDiffExplains(before: TreeSnapshot[], diff: TreeDiff, after: TreeSnapshot[]): void {
  const expected = edgeSet(before);
  for (const e of diff.remove)
    assert.ok(expected.delete(edgeKey(e)), `removed edge ${edgeKey(e)} did not exist`);
  for (const e of diff.create) {
    assert.ok(!expected.has(edgeKey(e)), `created edge ${edgeKey(e)} already existed`);
    expected.add(edgeKey(e));
  }
  assert.deepEqual([...expected].sort(), [...edgeSet(after)].sort());
}

/** Depth of every receiver with a path from the sender; throws on cycles or double parents. */
export function depths(tree: TreeSnapshot): Map<string, number> {
  const parent = new Map<string, string>();
  for (const e of tree.edges) {
    assert.equal(e.streamId, tree.streamId);
    assert.ok(!parent.has(e.child), `${e.child} has two parents in ${tree.streamId}`);
    assert.notEqual(e.child, tree.streamId, 'sender has a parent in its own tree');
    parent.set(e.child, e.parent);
  }
  const out = new Map<string, number>([[tree.streamId, 0]]);
  for (const start of parent.keys()) {
    const path: string[] = [];
    let n: string | undefined = start;
    while (n !== undefined && !out.has(n)) {
      assert.ok(!path.includes(n), `cycle through ${n} in ${tree.streamId}`);
      path.push(n);
      n = parent.get(n);
    }
    if (n === undefined) continue; // cut off from the sender
    let d = out.get(n)!;
    for (let i = path.length - 1; i >= 0; i--) out.set(path[i]!, ++d);
  }
  return out;
}

export interface InvariantContext {
  live: Map<string, PeerModel>;
  bitrateKbps: number;
  maxDepth: number;
  minRelaySlots: number;
  /** Whether every earlier operation succeeded, so no receiver may be cut off. */
  allPlaced: boolean;
}

export const slotsOf = (p: PeerModel, bitrate: number) => Math.floor(Math.max(0, p.uplinkKbps) / bitrate);

export function canRelay(p: PeerModel, ctx: InvariantContext): boolean {
  return p.relay && slotsOf(p, ctx.bitrateKbps) >= ctx.minRelaySlots;
}

/** Spanning, acyclic, within capacity, weak peers as leaves, within the depth limit. */
export function assertInvariants(trees: TreeSnapshot[], ctx: InvariantContext): void {
  const ids = [...ctx.live.keys()].sort();
  assert.deepEqual(trees.map((t) => t.streamId).sort(), ids, 'one tree per live sender');
  const outDegree = new Map<string, number>();
  for (const tree of trees) {
    const d = depths(tree);
    const members = new Set([tree.streamId, ...tree.edges.map((e) => e.child), ...tree.unplaced]);
    assert.deepEqual([...members].sort(), ids, `tree ${tree.streamId} spans exactly the live peers`);
    const unreachable = ids.filter((id) => !d.has(id)).sort();
    assert.deepEqual(unreachable, [...tree.unplaced].sort(), 'unplaced = receivers without a path');
    if (ctx.allPlaced) assert.equal(tree.unplaced.length, 0, `cut-off receivers in ${tree.streamId}`);
    for (const [id, depth] of d)
      assert.ok(depth <= ctx.maxDepth, `${id} at depth ${depth} > ${ctx.maxDepth}`);
    for (const e of tree.edges) {
      outDegree.set(e.parent, (outDegree.get(e.parent) ?? 0) + 1);
      if (e.parent !== tree.streamId) {
        assert.ok(canRelay(ctx.live.get(e.parent)!, ctx), `weak peer ${e.parent} relays ${tree.streamId}`);
      }
    }
  }
  for (const [id, deg] of outDegree) {
    const cap = slotsOf(ctx.live.get(id)!, ctx.bitrateKbps);
    assert.ok(deg <= cap, `${id} uploads ${deg} copies with ${cap} slots`);
  }
}

/** After rebalance has settled no receiver sits more than one hop below the shallowest free slot. */
export function assertSettled(trees: TreeSnapshot[], ctx: InvariantContext): void {
  const outDegree = new Map<string, number>();
  for (const t of trees) for (const e of t.edges) outDegree.set(e.parent, (outDegree.get(e.parent) ?? 0) + 1);
  for (const tree of trees) {
    const d = depths(tree);
    let hostDepth = Number.POSITIVE_INFINITY;
    for (const [id, depth] of d) {
      const p = ctx.live.get(id)!;
      const spare = slotsOf(p, ctx.bitrateKbps) - (outDegree.get(id) ?? 0);
      const eligible = id === tree.streamId || canRelay(p, ctx);
      if (spare > 0 && eligible && depth + 1 <= ctx.maxDepth) hostDepth = Math.min(hostDepth, depth);
    }
    for (const [id, depth] of d) {
      assert.ok(depth <= hostDepth + 1, `${id} at depth ${depth} though a slot is free at ${hostDepth}`);
    }
  }
}
