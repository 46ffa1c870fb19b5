import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createTreePlanner, type PlanResult, type TreePlanner } from '../src/index.ts';
import {
  assertDiffExplains,
  assertInvariants,
  assertSettled,
  canRelay,
  edgeKey,
  type InvariantContext,
  type PeerModel,
} from './oracle.ts';

const BITRATE = 100;
// Slots 0..30: no uplink, a single own-stream slot, weak relays, strong relays; mostly relay-capable so
// sessions grow large enough for relays, splices and orphaned subtrees to matter.
const uplink = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0, 60, 100, 180) },
  { weight: 4, arbitrary: fc.constantFrom(200, 300, 450, 800) },
  { weight: 2, arbitrary: fc.constantFrom(1500, 3000) },
);

type Command =
  | { op: 'join'; peer: number; uplinkKbps: number; relay: boolean }
  | { op: 'leave'; peer: number }
  | { op: 'uplink'; peer: number; uplinkKbps: number }
  | { op: 'rebalance'; maxEdgeChanges: number };

const PEERS = 16;
const join = fc.record({
  op: fc.constant('join' as const),
  peer: fc.nat(PEERS - 1),
  uplinkKbps: uplink,
  relay: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: join },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('leave' as const), peer: fc.nat(PEERS - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('uplink' as const), peer: fc.nat(PEERS - 1), uplinkKbps: uplink }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rebalance' as const), maxEdgeChanges: fc.nat(6) }) },
);

interface Scenario {
  maxDepth: number;
  minRelaySlots: number;
  commands: Command[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  maxDepth: fc.constantFrom(2, 3, Number.POSITIVE_INFINITY),
  minRelaySlots: fc.constantFrom(2, 3),
  // A burst of joins builds a session, then churn runs on it.
  commands: fc
    .tuple(
      fc.array(join, { minLength: 2, maxLength: 24 }),
      fc.array(command, { minLength: 5, maxLength: 40 }),
    )
    .map(([build, churn]) => [...build, ...churn]),
});

/** Runs commands, checking every step; returns the log of results for determinism checks. */
function run(s: Scenario, check: boolean): { planner: TreePlanner; log: PlanResult[] } {
  const planner = createTreePlanner({
    bitrateKbps: BITRATE,
    maxDepth: s.maxDepth,
    minRelaySlots: s.minRelaySlots,
  });
  const ctx: InvariantContext = {
    live: new Map<string, PeerModel>(),
    bitrateKbps: BITRATE,
    maxDepth: s.maxDepth,
    minRelaySlots: s.minRelaySlots,
    allPlaced: true,
  };
  const log: PlanResult[] = [];
  for (const c of s.commands) {
    const before = check ? planner.trees() : [];
    const id = c.op === 'rebalance' ? '' : `p${c.peer}`;
    let result: PlanResult;
    if (c.op === 'join') {
      result = planner.join({ id, uplinkKbps: c.uplinkKbps, relay: c.relay });
      if (result.ok) ctx.live.set(id, { uplinkKbps: c.uplinkKbps, relay: c.relay });
    } else if (c.op === 'leave') {
      result = planner.leave(id);
      ctx.live.delete(id);
    } else if (c.op === 'uplink') {
      result = planner.updateUplink(id, c.uplinkKbps);
      const p = ctx.live.get(id);
      if (p) p.uplinkKbps = c.uplinkKbps;
    } else {
      result = planner.rebalance(c.maxEdgeChanges);
    }
    log.push(result);
    if (!check) continue;
    const after = planner.trees();
    if (!result.ok && result.failure === 'capacity-exhausted') ctx.allPlaced = false;
    if (after.every((t) => t.unplaced.length === 0)) ctx.allPlaced = true;
    assertInvariants(after, ctx);
    assertDiffExplains(before, result.diff, after);
    checkOperation(c, id, result, before, ctx);
  }
  return { planner, log };
}

function checkOperation(
  c: Command,
  id: string,
  result: PlanResult,
  before: ReturnType<TreePlanner['trees']>,
  ctx: InvariantContext,
): void {
  const changed = result.diff.create.length + result.diff.remove.length;
  if (c.op === 'join' && !result.ok) assert.equal(changed, 0, 'a failed join changes nothing');
  if (c.op === 'rebalance') assert.ok(changed <= c.maxEdgeChanges, `rebalance changed ${changed} edges`);
  if (c.op === 'leave' && result.failure !== 'unknown-peer') {
    // Only the leaver's edges go away, and every new edge re-parents one of its orphans.
    const incident = before.flatMap((t) =>
      t.edges.filter((e) => e.streamId === id || e.parent === id || e.child === id),
    );
    assert.deepEqual(result.diff.remove.map(edgeKey).sort(), incident.map(edgeKey).sort());
    const orphans = new Set(
      incident.filter((e) => e.parent === id && e.streamId !== id).map((e) => `${e.streamId}|${e.child}`),
    );
    for (const e of result.diff.create)
      assert.ok(orphans.has(`${e.streamId}|${e.child}`), `${edgeKey(e)} is not an orphan edge`);
    assert.ok(result.diff.create.length <= orphans.size);
  }
  if (c.op === 'uplink' && result.failure !== 'unknown-peer') {
    for (const e of result.diff.remove) assert.equal(e.parent, id, 'only the changed peer sheds children');
    const shed = new Set(result.diff.remove.map((e) => `${e.streamId}|${e.child}`));
    for (const e of result.diff.create) assert.ok(shed.has(`${e.streamId}|${e.child}`));
    const p = ctx.live.get(id)!;
    if (!canRelay(p, ctx)) assert.ok(result.diff.remove.every((e) => e.streamId === id || e.parent === id));
  }
  assert.equal(result.ok, result.unplaced.length === 0 && result.failure === undefined);
}

describe('streaming-tree planner properties', () => {
  test('invariants hold after any sequence of joins, leaves, uplink changes and rebalances', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        run(s, true);
      }),
      { numRuns: 250 },
    );
  });

  test('repeated rebalancing settles: nobody sits deeper than one hop below a free slot', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { planner, log } = run(s, false);
        // Rebuild the model the checks need from the command list (joins that failed are not live).
        const live = new Map<string, PeerModel>();
        s.commands.forEach((c, i) => {
          if (c.op === 'join' && log[i]!.ok)
            live.set(`p${c.peer}`, { uplinkKbps: c.uplinkKbps, relay: c.relay });
          if (c.op === 'leave') live.delete(`p${c.peer}`);
          const p = c.op === 'uplink' ? live.get(`p${c.peer}`) : undefined;
          if (c.op === 'uplink' && p) p.uplinkKbps = c.uplinkKbps;
        });
        let rounds = 0;
        while (planner.rebalance(8).diff.create.length > 0)
          assert.ok(++rounds < 500, 'rebalance does not settle');
        const ctx = {
          live,
          bitrateKbps: BITRATE,
          maxDepth: s.maxDepth,
          minRelaySlots: s.minRelaySlots,
          allPlaced: false,
        };
        assertSettled(planner.trees(), ctx);
      }),
      { numRuns: 150 },
    );
  });

  test('the same inputs give the same edge changes', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        assert.deepEqual(run(s, false).log, run(s, false).log);
      }),
      { numRuns: 100 },
    );
  });
});
