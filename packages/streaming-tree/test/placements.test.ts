import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { drawPeer, prng } from '../sim/population.ts';
import { createTreePlanner, type PlanResult } from '../src/index.ts';

/**
 * Seeded churn sessions (joins, leaves, uplink changes, rebalance steps, with and without a depth limit)
 * digested: every result (edges as sets) and the final trees. The digests were taken before the planner's
 * data structures were rewritten for speed at 1000 peers (host queue per tree, per-level depth counts, diff by
 * receiver), so they pin that the rewrite places exactly as before. A deliberate change of placement rules
 * must update them and say why.
 */
function digest(seed: number, peers: number, maxDepth: number): string {
  const rand = prng(seed);
  const bitrateKbps = 400;
  const planner = createTreePlanner({ bitrateKbps, maxDepth });
  const hash = createHash('sha256');
  const key = (e: { streamId: string; parent: string; child: string }) =>
    `${e.streamId}>${e.parent}>${e.child}`;
  const log = (r: PlanResult) =>
    hash.update(
      JSON.stringify([
        r.ok,
        r.failure ?? '',
        r.diff.create.map(key).sort(),
        r.diff.remove.map(key).sort(),
        r.unplaced.map((u) => `${u.streamId}>${u.peerId}`).sort(),
      ]),
    );
  const live: string[] = [];
  let next = 0;
  const join = () => {
    const p = drawPeer(rand, `p${next++}`);
    const r = planner.join({ id: p.id, uplinkKbps: p.uplinkKbps, relay: p.relay });
    if (r.ok) live.push(p.id);
    log(r);
  };
  for (let i = 0; i < peers; i++) join();
  for (let round = 0; round < peers; round++) {
    const x = rand();
    if (x < 0.35 && live.length > 2) {
      log(planner.leave(live.splice(Math.floor(rand() * live.length), 1)[0]!));
    } else if (x < 0.7) {
      join();
    } else {
      const id = live[Math.floor(rand() * live.length)]!;
      log(planner.updateUplink(id, Math.round(300 + rand() * 20_000), rand() < 0.8));
    }
    log(planner.rebalance(Math.floor(rand() * 10)));
  }
  hash.update(JSON.stringify(planner.trees().map((t) => [t.streamId, t.edges.map(key).sort(), t.unplaced])));
  return hash.digest('hex').slice(0, 16);
}

test('placements of seeded churn sessions are unchanged', () => {
  assert.equal(digest(1, 60, Number.POSITIVE_INFINITY), 'e64891ec7ffe34b9');
  assert.equal(digest(2, 60, 2), '1c147f0fdaf64314');
  assert.equal(digest(3, 120, 3), '3db5669ad6fb7e64');
  assert.equal(digest(4, 200, Number.POSITIVE_INFINITY), '00a22eb1eeed7ddc');
});
