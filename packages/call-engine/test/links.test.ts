import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Plan } from '@consulta/protocol';
import {
  desiredLinks,
  diffLinks,
  handedOverByLeaver,
  isNewerPlan,
  isPlanned,
  isPolite,
  linkForSignal,
  linkKey,
  meshStreamId,
  outlivesLeave,
  takesJoinedPlan,
} from '../src/index.ts';

const plan = (topology: Plan['topology'], edges: Plan['edges'] = [], version = 1): Plan => ({
  version,
  topology,
  quality: 'sd',
  reasons: [],
  edges,
});

describe('polite/impolite', () => {
  test('exactly one side of a pair is polite, and both agree', () => {
    assert.equal(isPolite('a', 'b'), true);
    assert.equal(isPolite('b', 'a'), false);
    for (const [x, y] of [
      ['cm1', 'cm2'],
      ['Z9', 'a0'],
      ['peer_10', 'peer_9'],
    ] as const) {
      assert.notEqual(isPolite(x, y), isPolite(y, x));
    }
  });
  test('a peer has no connection with itself', () => {
    assert.throws(() => isPolite('a', 'a'));
  });
});

describe('mesh stream id', () => {
  test('is the same from both ends, valid as a protocol Id, and differs per pair', () => {
    assert.equal(meshStreamId('alice', 'bob'), meshStreamId('bob', 'alice'));
    assert.match(meshStreamId('alice', 'bob'), /^p2p-[0-9a-f]{16}$/);
    assert.notEqual(meshStreamId('alice', 'bob'), meshStreamId('alice', 'carol'));
    assert.notEqual(meshStreamId('ab', 'c'), meshStreamId('a', 'bc'));
  });
});

describe('desired links', () => {
  test('p2p: one mesh link per other peer', () => {
    const links = desiredLinks(plan('p2p'), 'a', ['b', 'c', 'a', 'b']);
    assert.deepEqual(links, [
      { role: 'mesh', remote: 'b', streamId: meshStreamId('a', 'b') },
      { role: 'mesh', remote: 'c', streamId: meshStreamId('a', 'c') },
    ]);
  });

  test('tree: recv from the parent of each stream, send to each child', () => {
    // a -> b -> c for stream a; b -> a and b -> c for stream b; c -> a -> b for stream c.
    const p = plan('tree', [
      { streamId: 'a', parent: 'a', child: 'b' },
      { streamId: 'a', parent: 'b', child: 'c' },
      { streamId: 'b', parent: 'b', child: 'a' },
      { streamId: 'b', parent: 'b', child: 'c' },
      { streamId: 'c', parent: 'c', child: 'a' },
      { streamId: 'c', parent: 'a', child: 'b' },
    ]);
    assert.deepEqual(desiredLinks(p, 'a', ['b', 'c']), [
      { role: 'send', remote: 'b', streamId: 'a' },
      { role: 'recv', remote: 'b', streamId: 'b' },
      { role: 'recv', remote: 'c', streamId: 'c' },
      { role: 'send', remote: 'b', streamId: 'c' },
    ]);
    // Every edge appears once as send (at its parent) and once as recv (at its child).
    const all = ['a', 'b', 'c'].flatMap((self) =>
      desiredLinks(
        p,
        self,
        ['a', 'b', 'c'].filter((x) => x !== self),
      ).map((l) => ({ self, ...l })),
    );
    assert.equal(all.filter((l) => l.role === 'send').length, 6);
    assert.equal(all.filter((l) => l.role === 'recv').length, 6);
    // A peer receives each stream from exactly one parent.
    for (const self of ['a', 'b', 'c']) {
      const recv = all.filter((l) => l.self === self && l.role === 'recv').map((l) => l.streamId);
      assert.equal(new Set(recv).size, recv.length);
    }
  });

  test('tree: edges to peers not (yet) in the room are left out', () => {
    const p = plan('tree', [
      { streamId: 'a', parent: 'a', child: 'b' },
      { streamId: 'x', parent: 'x', child: 'a' },
    ]);
    assert.deepEqual(desiredLinks(p, 'a', ['b']), [{ role: 'send', remote: 'b', streamId: 'a' }]);
  });

  test('sfu: none (not handled by this engine)', () => {
    assert.deepEqual(desiredLinks(plan('sfu'), 'a', ['b']), []);
  });
});

describe('diffing plans into connect/disconnect sets', () => {
  test('a receiver moved to a new parent: connect the new edge, retire the old one, keep the rest', () => {
    const before = plan('tree', [
      { streamId: 'a', parent: 'a', child: 'b' },
      { streamId: 'a', parent: 'b', child: 'c' },
    ]);
    const after = plan('tree', [
      { streamId: 'a', parent: 'a', child: 'b' },
      { streamId: 'a', parent: 'a', child: 'c' },
    ]);
    const held = desiredLinks(before, 'c', ['a', 'b']).map(linkKey);
    const diff = diffLinks(held, desiredLinks(after, 'c', ['a', 'b']));
    assert.deepEqual(diff.connect, [{ role: 'recv', remote: 'a', streamId: 'a' }]);
    assert.deepEqual(diff.disconnect, [linkKey({ role: 'recv', remote: 'b', streamId: 'a' })]);
    assert.deepEqual(diff.keep, []);

    const heldB = desiredLinks(before, 'b', ['a', 'c']).map(linkKey);
    const diffB = diffLinks(heldB, desiredLinks(after, 'b', ['a', 'c']));
    assert.deepEqual(diffB.connect, []);
    assert.deepEqual(diffB.disconnect, [linkKey({ role: 'send', remote: 'c', streamId: 'a' })]);
    assert.deepEqual(diffB.keep, [linkKey({ role: 'recv', remote: 'a', streamId: 'a' })]);
  });

  test('p2p to tree: tree links come up while the mesh link is retired', () => {
    const mesh = desiredLinks(plan('p2p'), 'a', ['b']).map(linkKey);
    const tree = desiredLinks(
      plan('tree', [
        { streamId: 'a', parent: 'a', child: 'b' },
        { streamId: 'b', parent: 'b', child: 'a' },
      ]),
      'a',
      ['b'],
    );
    const diff = diffLinks(mesh, tree);
    assert.equal(diff.connect.length, 2);
    assert.deepEqual(diff.disconnect, mesh);
  });

  test('an unchanged plan changes nothing', () => {
    const links = desiredLinks(plan('p2p'), 'a', ['b', 'c']);
    const diff = diffLinks(links.map(linkKey), links);
    assert.deepEqual(diff, { connect: [], disconnect: [], keep: links.map(linkKey) });
  });
});

describe('routing an incoming signal to a link', () => {
  test('mesh, existing send/recv, and a stranger (the parent initiates)', () => {
    assert.equal(linkForSignal('a', 'b', meshStreamId('a', 'b'), new Set()).role, 'mesh');
    const send = linkKey({ role: 'send', remote: 'b', streamId: 'c' });
    assert.equal(linkForSignal('a', 'b', 'c', new Set([send])).role, 'send');
    assert.equal(linkForSignal('a', 'b', 'c', new Set()).role, 'recv');
    assert.equal(linkForSignal('a', 'b', 'a', new Set()).role, 'send');
  });
});

test("a joined's plan is the room's: taken whenever it differs, older or not", () => {
  assert.equal(takesJoinedPlan(null, plan('p2p', [], 2)), true);
  assert.equal(
    takesJoinedPlan(plan('p2p', [], 3), plan('p2p', [], 3)),
    false,
    'the same plan: nothing to do',
  );
  assert.equal(
    takesJoinedPlan(plan('tree', [], 3), plan('p2p', [], 2)),
    true,
    'older: the newer one was lost',
  );
  assert.equal(takesJoinedPlan(plan('tree', [], 3), plan('p2p', [], 3)), true, 'same version, other plan');
  assert.equal(takesJoinedPlan(plan('p2p', [], 3), plan('tree', [], 4)), true);
});

test('plans only move forward', () => {
  assert.equal(isNewerPlan(null, plan('p2p', [], 0)), true);
  assert.equal(isNewerPlan(plan('p2p', [], 3), plan('tree', [], 2)), false);
  assert.equal(isNewerPlan(plan('p2p', [], 3), plan('p2p', [], 3)), false);
  assert.equal(isNewerPlan(plan('p2p', [], 3), plan('tree', [], 4)), true);
});

describe('a relay that leaves hands over', () => {
  // Stream a: a -> b -> c (b relays a's stream to c); stream c: c -> b -> a; stream b: b -> a, b -> c.
  const p = plan('tree', [
    { streamId: 'a', parent: 'a', child: 'b' },
    { streamId: 'a', parent: 'b', child: 'c' },
    { streamId: 'b', parent: 'b', child: 'a' },
    { streamId: 'b', parent: 'b', child: 'c' },
    { streamId: 'c', parent: 'c', child: 'b' },
    { streamId: 'c', parent: 'b', child: 'a' },
  ]);

  test('the leaver keeps what it forwards and what feeds it, not its own stream', () => {
    const kept = handedOverByLeaver(desiredLinks(p, 'b', ['a', 'c']), 'b')
      .map(linkKey)
      .sort();
    assert.deepEqual(
      kept,
      [
        linkKey({ role: 'recv', remote: 'a', streamId: 'a' }),
        linkKey({ role: 'recv', remote: 'c', streamId: 'c' }),
        linkKey({ role: 'send', remote: 'a', streamId: 'c' }),
        linkKey({ role: 'send', remote: 'c', streamId: 'a' }),
      ].sort(),
    );
  });

  test('a leaver that relays nothing keeps nothing', () => {
    assert.deepEqual(handedOverByLeaver(desiredLinks(p, 'a', ['b', 'c']), 'a'), []);
  });

  test('those who stay keep their links with the relay that carry others’ streams, not the relay’s own', () => {
    const atA = desiredLinks(p, 'a', ['b', 'c']).filter((l) => outlivesLeave(l, 'b'));
    assert.deepEqual(atA, [
      { role: 'send', remote: 'b', streamId: 'a' },
      { role: 'recv', remote: 'b', streamId: 'c' },
    ]);
    assert.equal(outlivesLeave({ role: 'mesh', remote: 'b', streamId: meshStreamId('a', 'b') }, 'b'), false);
    assert.equal(outlivesLeave({ role: 'recv', remote: 'c', streamId: 'c' }, 'b'), false, 'not through b');
  });
});

describe('an offer for a link the plan in force does not want', () => {
  test("a newcomer's mesh offer from its first (p2p) plan, after the SFU plan its arrival brought", () => {
    const mesh = linkForSignal('a', 'c', meshStreamId('a', 'c'), new Set());
    assert.equal(mesh.role, 'mesh');
    assert.equal(isPlanned(plan('sfu', [], 3), 'a', ['b', 'c'], mesh), false);
    assert.equal(isPlanned(plan('p2p', [], 2), 'a', ['b', 'c'], mesh), true);
  });

  test('a tree edge is planned only from the parent the plan names', () => {
    const edges = [{ streamId: 'b', parent: 'b', child: 'a' }];
    const fromB = linkForSignal('a', 'b', 'b', new Set());
    assert.equal(isPlanned(plan('tree', edges), 'a', ['b', 'c'], fromB), true);
    const fromC = linkForSignal('a', 'c', 'b', new Set());
    assert.equal(isPlanned(plan('tree', edges), 'a', ['b', 'c'], fromC), false);
  });
});
