import assert from 'node:assert/strict';
import { test } from 'node:test';
import { carriedRate } from '../src/carried-traffic.ts';

const counters = (entries: Array<[string, number, number]>) =>
  new Map(entries.map(([key, sent, received]) => [key, { sent, received }]));

test('the media rate over the window, summed across connections', () => {
  // Two connections; over 2 s one sent 50 kB and received 25 kB, the other sent 12.5 kB.
  const before = counters([
    ['a', 1000, 5000],
    ['b', 0, 0],
  ]);
  const after = counters([
    ['a', 51_000, 30_000],
    ['b', 12_500, 0],
  ]);
  assert.deepEqual(carriedRate(before, after, 2000), { upKbps: 250, downKbps: 100 });
});

test('a connection opened in the window counts whole; one closed meanwhile not at all', () => {
  const before = counters([
    ['gone', 0, 0],
    ['replaced', 900_000, 900_000],
  ]);
  // Over 1 s: a new connection sent 25 kB, the key "replaced" names a new one that sent 12.5 kB.
  const after = counters([
    ['new', 25_000, 0],
    ['replaced', 12_500, 12_500],
  ]);
  assert.deepEqual(carriedRate(before, after, 1000), { upKbps: 300, downKbps: 100 });
});

test('an empty window adds nothing', () => {
  assert.deepEqual(carriedRate(counters([['a', 0, 0]]), counters([['a', 100, 100]]), 0), {
    upKbps: 0,
    downKbps: 0,
  });
});
