// A tree relay dies without a word in a 3-person group call (relay-crash.test.ts: its tab crashes; relay-killed.test.ts:
// its whole browser process is killed): the server keeps its place for the reconnect grace (30 s), but replans
// without it as a relay, and the peer it forwarded a stream to hears that stream again (issue 15's target for a
// relay crash: < 1 s; the figure prints and goes to the bench, the bound here is liveness). Nobody sees it leave
// meanwhile. One of the three is on a weak uplink (it sends a single copy, which a strong peer relays). Audio only,
// as in tree-call.test.ts. Figures print as `MEASURE`.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ParticipantPage } from '../support/browser-engine.ts';
import type { StreamStat } from './fixture/app.ts';
import { type FixtureGroupCall, type Guest, STRONG_DESKTOP, WEAK_DESKTOP } from './fixture-group-call.ts';
import { describeTree, fullyKnown, orphanedPairs, pairKey } from './tree-plan.ts';

const GUESTS: Guest[] = [
  { role: 'PATIENT', name: 'patient', bw: STRONG_DESKTOP },
  { role: 'INTERPRETER', name: 'interpreter', bw: WEAK_DESKTOP },
];
/** Half the reconnect grace: without the relay-loss replan the orphans waited for all of it. */
const BACK_WITHIN_MS = 15_000;

/** How the relay dies: `crashed` (its tab), `killed` (its browser process); the page must offer that method. */
export type RelayDeath = { verb: 'crashed'; die: 'crash' } | { verb: 'killed'; die: 'kill' };

export async function relayDies(call: FixtureGroupCall, t: TestContext, death: RelayDeath): Promise<void> {
  const measure = (line: string) => {
    console.log(`MEASURE ${line}`);
    t.diagnostic(line);
  };
  await call.open('chromium', 'clinician', `Relay ${death.verb}`, STRONG_DESKTOP);
  for (const guest of GUESTS) await call.admit(await call.invite(guest), guest.name);
  const plan = await call.settledPlan(
    (p) => p.topology === 'tree' && fullyKnown(p) && p.edges.some((e) => e.parent !== e.streamId),
    20_000,
  );
  await call.waitPairs(call.pairs(), rising, 20_000);
  const relay = plan.edges.find((e) => e.parent !== e.streamId)!.parent;
  const orphans = orphanedPairs(plan, relay);
  assert.ok(orphans.length > 0, describeTree(plan, call.name));
  measure(`tree v${plan.version}: ${describeTree(plan, call.name)}; ${call.name(relay)} is ${death.verb}`);
  await call.assertNoErrors();

  const page: ParticipantPage = call.pages.get(relay)!;
  call.pages.delete(relay);
  const die = page[death.die];
  assert.ok(die, `the relay's page can be ${death.verb}`);
  const diedAt = Date.now();
  await die.call(page);
  const next = await call.settledPlan(
    (p) => p.version > plan.version && !p.edges.some((e) => e.parent === relay && e.streamId !== relay),
    BACK_WITHIN_MS,
  );
  const planMs = Date.now() - diedAt;
  assert.equal(next.topology, 'tree', describeTree(next, call.name));
  // Packets rising while a link from someone else than the relay is there in both polls: the dead relay's link
  // (kept until the plan's other new links come up, and one of them is to the dead peer) carries none.
  const viaOther = (s: StreamStat) => s.via.some((v) => v !== relay);
  const resumed = await call.waitPairs(
    orphans,
    (prev, cur) => rising(prev, cur) && viaOther(prev) && viaOther(cur),
    BACK_WITHIN_MS,
  );
  const backMs = Math.max(...orphans.map((p) => resumed.get(pairKey(p))!)) - diedAt;
  measure(
    `${call.name(relay)} ${death.verb}: plan v${next.version} without it relaying after ${planMs} ms ` +
      `(${describeTree(next, call.name)}); its orphans hear again ${backMs} ms after`,
  );
  assert.ok(backMs < BACK_WITHIN_MS, `orphans hear again within ${BACK_WITHIN_MS} ms (${backMs} ms)`);
  measure(`${call.name(relay)} ${death.verb}: ${await call.assertSwitchNegotiations(diedAt)}`);
  for (const [id, p] of call.pages) {
    const left = await p.evaluate(() => window.consultaTest.peersLeft());
    assert.deepEqual(left, [], `${call.name(id)} saw nobody leave: the dead relay's place is kept`);
  }
  await page.close();
}

const rising = (prev: StreamStat, cur: StreamStat) => cur.packets > prev.packets && cur.via.length > 0;
