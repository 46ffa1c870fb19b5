import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '@consulta/protocol';
import { reportsShowRelayGone, treeNeighbours, UNREACHABLE_REPORT_WINDOW_MS } from './relay-reports.ts';

// s sends to r, which relays to a and b; b also receives a's stream from a.
const plan: Plan = {
  version: 3,
  topology: 'tree',
  quality: 'sd',
  reasons: [],
  edges: [
    { streamId: 's', parent: 's', child: 'r' },
    { streamId: 's', parent: 'r', child: 'a' },
    { streamId: 's', parent: 'r', child: 'b' },
    { streamId: 'a', parent: 'a', child: 'b' },
  ],
};

test("a relay's neighbours are its parents and children", () => {
  assert.deepEqual([...treeNeighbours(plan, 'r')].sort(), ['a', 'b', 's']);
  assert.deepEqual([...treeNeighbours({ ...plan, topology: 'sfu' }, 'r')], []);
});

test('two neighbours agreeing within the window shed a relay; one does only when its socket is gone', () => {
  const now = 100_000;
  const one = new Map([['a', now]]);
  assert.equal(reportsShowRelayGone(plan, 'r', one, now, false), false, 'one neighbour alone');
  assert.equal(reportsShowRelayGone(plan, 'r', one, now, true), true, 'one, and the socket is gone');
  assert.equal(
    reportsShowRelayGone(
      plan,
      'r',
      new Map([
        ['a', now],
        ['s', now - 500],
      ]),
      now,
      false,
    ),
    true,
  );
  const stale = new Map([
    ['a', now],
    ['s', now - UNREACHABLE_REPORT_WINDOW_MS - 1],
  ]);
  assert.equal(reportsShowRelayGone(plan, 'r', stale, now, false), false, 'an old report is another outage');
  const strangers = new Map([
    ['a', now],
    ['x', now],
  ]);
  assert.equal(reportsShowRelayGone(plan, 'r', strangers, now, false), false, 'only neighbours count');
  assert.equal(reportsShowRelayGone(plan, 'r', new Map(), now, true), false, 'no report, no verdict');
});
