import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainEdges } from '../src/index.ts';

test('chainEdges: every sender reaches every peer once, at depths 1..n-1, through the others in order', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const edges = chainEdges(ids);
  assert.equal(edges.length, 12);
  for (const s of ids) {
    const depth = new Map<string, number>([[s, 0]]);
    let node = s;
    for (;;) {
      const next = edges.find((e) => e.streamId === s && e.parent === node);
      if (!next) break;
      depth.set(next.child, depth.get(node)! + 1);
      node = next.child;
    }
    assert.deepEqual([...depth.values()].sort(), [0, 1, 2, 3], `sender ${s}`);
  }
  assert.deepEqual(
    edges.filter((e) => e.streamId === 'c').map((e) => `${e.parent}>${e.child}`),
    ['c>d', 'd>a', 'a>b'],
  );
});
