import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTreePlanner, isTreeFeasible, type TreeEdge } from '../src/index.ts';

const edge = (streamId: string, parent: string, child: string): TreeEdge => ({ streamId, parent, child });
const sorted = (edges: TreeEdge[]) =>
  [...edges].sort((a, b) =>
    `${a.streamId}${a.parent}${a.child}`.localeCompare(`${b.streamId}${b.parent}${b.child}`),
  );

describe('createTreePlanner', () => {
  test('a newcomer goes under the shallowest parent with the most free slots', () => {
    const planner = createTreePlanner({ bitrateKbps: 100 });
    planner.join({ id: 'strong', uplinkKbps: 1000 });
    planner.join({ id: 'weak', uplinkKbps: 200 });
    const r = planner.join({ id: 'new', uplinkKbps: 300 });
    assert.ok(r.ok);
    // In weak's tree the only depth-0 host is weak itself (it has a slot left); in strong's tree, strong.
    assert.equal(planner.parentOf('weak', 'new'), 'weak');
    assert.equal(planner.parentOf('strong', 'new'), 'strong');
    // Its own tree: new fans out to both, strongest first in the queue.
    assert.equal(planner.parentOf('new', 'strong'), 'new');
    assert.equal(planner.parentOf('new', 'weak'), 'new');
  });

  test('a strong newcomer splices into a tree whose members are all full', () => {
    const planner = createTreePlanner({ bitrateKbps: 100 });
    planner.join({ id: 'a', uplinkKbps: 100 });
    planner.join({ id: 'b', uplinkKbps: 100 });
    const r = planner.join({ id: 'c', uplinkKbps: 1000 });
    assert.ok(r.ok);
    assert.deepEqual(sorted(r.diff.remove), sorted([edge('a', 'a', 'b'), edge('b', 'b', 'a')]));
    assert.equal(planner.parentOf('a', 'b'), 'c');
    assert.equal(planner.parentOf('a', 'c'), 'a');
    assert.equal(planner.depthOf('a', 'b'), 2);
  });

  test('a join that cannot be placed fails without touching the trees', () => {
    const planner = createTreePlanner({ bitrateKbps: 100 });
    planner.join({ id: 'a', uplinkKbps: 100 });
    planner.join({ id: 'b', uplinkKbps: 100 });
    const before = planner.trees();
    const r = planner.join({ id: 'c', uplinkKbps: 150 });
    assert.equal(r.ok, false);
    assert.equal(r.failure, 'capacity-exhausted');
    assert.deepEqual(r.diff, { create: [], remove: [] });
    assert.deepEqual(planner.trees(), before);
    assert.deepEqual(planner.peerIds(), ['a', 'b']);
    assert.equal(planner.join({ id: 'a', uplinkKbps: 100 }).failure, 'duplicate-peer');
  });

  test('a leave re-parents each orphaned subtree whole with one edge', () => {
    const planner = createTreePlanner({ bitrateKbps: 100 });
    // s has a single slot, so x relays s's stream to r1 and r2, and r1 relays it on to y.
    for (const id of ['s', 'x', 'r1', 'r2', 'y']) {
      assert.ok(planner.join({ id, uplinkKbps: id === 's' ? 100 : 500 }).ok);
    }
    assert.equal(planner.parentOf('s', 'r1'), 'x');
    assert.equal(planner.parentOf('s', 'r2'), 'x');
    assert.equal(planner.parentOf('s', 'y'), 'r1');
    const r = planner.leave('x');
    assert.ok(r.ok);
    const created = r.diff.create.filter((e) => e.streamId === 's').map((e) => e.child);
    assert.deepEqual(created.sort(), ['r1', 'r2']);
    assert.equal(planner.parentOf('s', 'y'), 'r1', 'the orphan keeps its own subtree');
    assert.equal(planner.parentOf('x', 'y'), undefined);
    assert.equal(planner.leave('x').failure, 'unknown-peer');
  });

  test('losing uplink sheds relayed children first and reports receivers nobody can take', () => {
    const planner = createTreePlanner({ bitrateKbps: 100 });
    planner.join({ id: 'hub', uplinkKbps: 1000 });
    planner.join({ id: 'a', uplinkKbps: 100 });
    planner.join({ id: 'b', uplinkKbps: 100 });
    assert.equal(planner.parentOf('a', 'b'), 'hub');
    const r = planner.updateUplink('hub', 200);
    // hub may no longer relay for a and b (2 slots is the relay minimum but it needs both for its own stream)
    assert.equal(r.ok, false);
    assert.equal(r.failure, 'capacity-exhausted');
    assert.ok(r.unplaced.length > 0);
    for (const e of r.diff.remove) assert.equal(e.parent, 'hub');
    const back = planner.updateUplink('hub', 1000);
    assert.ok(back.ok);
    assert.deepEqual(back.diff, { create: [], remove: [] }, 'new capacity waits for rebalance');
    const healed = planner.rebalance(10);
    assert.ok(healed.ok);
    assert.equal(healed.diff.create.length, r.unplaced.length);
    assert.ok(planner.trees().every((t) => t.unplaced.length === 0));
  });

  test('a peer allowed to relay once measured can carry the next weak sender', () => {
    // `late` joined before its bandwidth was known, so it may not relay; a and b have no spare copies left.
    const build = () => {
      const planner = createTreePlanner({ bitrateKbps: 100 });
      planner.join({ id: 'a', uplinkKbps: 300 });
      planner.join({ id: 'late', uplinkKbps: 3000, relay: false });
      planner.join({ id: 'b', uplinkKbps: 300 });
      return planner;
    };
    const weak = { id: 'weak', uplinkKbps: 100 };
    assert.equal(build().join(weak).ok, false, 'nobody can forward a one-copy sender yet');

    const planner = build();
    assert.ok(planner.updateUplink('late', 3000, true).ok);
    assert.ok(planner.join(weak).ok);
    assert.deepEqual(
      ['a', 'b'].map((r) => planner.parentOf('weak', r)),
      ['late', 'late'],
    );
    // Withdrawing the permission sheds those relayed children at once.
    const back = planner.updateUplink('late', 3000, false);
    assert.equal(back.ok, false, 'and nobody else can take them');
    assert.ok(back.diff.remove.every((e) => e.parent === 'late'));
  });

  test('an uplink cut to one copy keeps a relay as first hop and moves the other receivers under it', () => {
    // A newcomer placed before its uplink was measured feeds everyone itself; the measurement says one copy.
    const planner = createTreePlanner({ bitrateKbps: 48 });
    planner.join({ id: 'a', uplinkKbps: 1700 });
    planner.join({ id: 'b', uplinkKbps: 1700 });
    planner.join({ id: 'c', uplinkKbps: 680, relay: false });
    planner.join({ id: 'd', uplinkKbps: 680, relay: false });
    assert.deepEqual(
      ['a', 'b', 'c'].map((r) => planner.parentOf('d', r)),
      ['d', 'd', 'd'],
    );
    const r = planner.updateUplink('d', 85);
    assert.ok(r.ok, JSON.stringify(r));
    const first = ['a', 'b', 'c'].filter((x) => planner.parentOf('d', x) === 'd');
    assert.equal(first.length, 1);
    assert.notEqual(first[0], 'c', 'the one copy goes to a peer that can relay it');
    for (const x of ['a', 'b', 'c']) assert.ok(['d', first[0]].includes(planner.parentOf('d', x)));
  });

  test('rebalance lifts deep receivers under new capacity, a bounded number of edges at a time', () => {
    const planner = createTreePlanner({ bitrateKbps: 100 });
    // Senders with two slots each need the hub to relay, so their trees are two levels deep.
    planner.join({ id: 'hub', uplinkKbps: 3000 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) planner.join({ id, uplinkKbps: 200 });
    const depthSum = () =>
      planner
        .peerIds()
        .reduce((sum, s) => sum + planner.peerIds().reduce((x, p) => x + planner.depthOf(s, p)!, 0), 0);
    for (const id of planner.peerIds()) planner.updateUplink(id, 3000);
    const before = depthSum();
    const step = planner.rebalance(3);
    assert.ok(step.diff.create.length + step.diff.remove.length <= 3);
    while (planner.rebalance(4).diff.create.length > 0);
    assert.ok(depthSum() < before, `depth sum ${depthSum()} not below ${before}`);
    assert.ok(planner.peerIds().every((s) => planner.peerIds().every((p) => planner.depthOf(s, p)! <= 1)));
  });

  test('respects the depth limit and non-relay peers', () => {
    const planner = createTreePlanner({ bitrateKbps: 100, maxDepth: 1 });
    planner.join({ id: 'a', uplinkKbps: 100 });
    planner.join({ id: 'b', uplinkKbps: 5000, relay: false });
    assert.equal(planner.join({ id: 'c', uplinkKbps: 5000 }).failure, 'capacity-exhausted');
    assert.throws(() => createTreePlanner({ bitrateKbps: 0 }), RangeError);
  });
});

describe('isTreeFeasible', () => {
  const peers = (...kbps: number[]) => kbps.map((uplinkKbps, i) => ({ id: `p${i}`, uplinkKbps }));
  test('needs n(n-1) slots in total and one slot per sender', () => {
    assert.equal(isTreeFeasible(peers(200, 200, 200), 100), true);
    assert.equal(isTreeFeasible(peers(100, 100, 100), 100), false);
    assert.equal(isTreeFeasible(peers(5000, 5000, 50), 100), false);
    assert.equal(isTreeFeasible(peers(500, 100, 100), 100), true);
    assert.equal(isTreeFeasible(peers(10), 100), true);
  });
  test('non-relay peers only count for their own stream; depth limits are honoured', () => {
    const strongButMobile = [{ id: 'm', uplinkKbps: 5000, relay: false }, ...peers(100, 100)];
    assert.equal(isTreeFeasible(strongButMobile, 100), false);
    assert.equal(isTreeFeasible(peers(500, 100, 100), 100, { maxDepth: 1 }), false);
  });
});
