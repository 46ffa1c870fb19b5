// A 4-person consultation over per-sender peer trees with two Firefox guests among Chromium pages: the clinician
// (Chromium) invites a patient (Firefox), a relative (Firefox, the largest uplink, so the planner makes it the
// relay) and an interpreter (Chromium, an uplink that can feed only one copy, so its stream must be relayed).
// Every (receiver, sender) pair must receive audio that is not silence; the interpreter's stream must reach the
// Firefox patient through the Firefox relative (a Firefox relay feeding a Firefox leaf). Then the relay leaves:
// its orphans get new parents and everyone left hears everyone again. Audio only (4 browsers on 2 cores).
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import type { StreamStat } from '../browser/fixture/app.ts';
import { type Guest, groupCallTest, STRONG_DESKTOP, WEAK_DESKTOP } from '../browser/fixture-group-call.ts';
import { describeTree, fullyKnown, pairKey } from '../browser/tree-plan.ts';

/** The most spare uplink: the planner's first choice of parent when a stream needs a relay. */
const STRONGEST = { uplinkKbps: 40_000, downlinkKbps: 20_000 };
const SETTLE_MS = 20_000;

/** Who the clinician invites, in order, and where each one's page runs. */
const GUESTS: Guest[] = [
  { role: 'PATIENT', name: 'patient', on: 'firefox', bw: STRONG_DESKTOP },
  { role: 'FAMILY', name: 'family', on: 'firefox', bw: STRONGEST },
  { role: 'INTERPRETER', name: 'interpreter', on: 'chromium', bw: WEAK_DESKTOP },
];

groupCallTest(
  import.meta.url,
  {
    what: 'mixed Chromium/Firefox call over peer trees',
    title: '4-person tree call: Chromium and Firefox pages, a Firefox relay and a Firefox leaf',
    firefox: true,
  },
  'tree plan, all 12 pairs hear each other, Firefox relays to Firefox, relay leaves',
  async (call, t) => {
    const { pages, names } = call;
    /** Names without the engine, for the plan's description. */
    const person = (id: string) => names.get(id)?.split('/')[0];
    const t0 = Date.now();
    await call.open('chromium', 'clinician/chromium', 'Mixed group call (tree)', STRONG_DESKTOP);
    for (const guest of GUESTS) {
      const waiting = await call.invite(guest);
      await call.admit(waiting, `${guest.name}/${guest.on}`);
      await waiting.page.waitForFunction(() => window.consultaTest.state() === 'joined');
    }

    const plan = await call.settledPlan((p) => p.topology === 'tree' && fullyKnown(p), SETTLE_MS);
    t.diagnostic(`tree plan v${plan.version}: ${describeTree(plan, person)}`);
    await call.waitPairs(call.pairs(), hears, 30_000);
    t.diagnostic(`all 12 pairs hear each other ${Date.now() - t0} ms after the start`);

    // The interpreter's single copy goes to the Firefox relative, who relays it to the Firefox patient.
    const byName = (n: string) => [...names].find(([, v]) => v.startsWith(`${n}/`))![0];
    const [family, patient, interpreter] = [byName('family'), byName('patient'), byName('interpreter')];
    const relayed = plan.edges.find((e) => e.streamId === interpreter && e.child === patient);
    assert.equal(
      relayed?.parent,
      family,
      `the patient gets the interpreter via the relative: ${describeTree(plan, person)}`,
    );
    const viaFamily = (await pages.get(patient)!.evaluate(() => window.consultaTest.streamStats()))[
      interpreter
    ];
    assert.ok(viaFamily?.via.includes(family), `the patient's copy comes over the link to the relative`);
    await call.assertNoErrors();

    // The Firefox relay leaves: its orphans are re-parented, everyone left hears everyone.
    const orphans = plan.edges.filter((e) => e.parent === family && e.streamId !== family);
    assert.ok(orphans.length > 0);
    const leftAt = await call.leave(family);
    const next = await call.settledPlan(
      (p) => p.version > plan.version && !p.edges.some((e) => e.parent === family || e.child === family),
      SETTLE_MS,
    );
    const again = await call.waitPairs(
      call.pairs(),
      (prev, cur) => hears(prev, cur) && !cur.via.includes(family) && !prev.via.includes(family),
      20_000,
    );
    t.diagnostic(
      `relay left: plan v${next.version} (${describeTree(next, person)}); orphans hear again after ` +
        `${Math.max(...orphans.map((e) => again.get(pairKey([e.child, e.streamId])) ?? 0)) - leftAt} ms`,
    );
    await call.assertNoErrors();
    await call.leaveAll();
    t.diagnostic(`total test time ${Date.now() - t0} ms`);
  },
);

/** Packets arrive and the decoded audio is not silence (relays forward real audio, not just packets). */
const hears = (prev: StreamStat, cur: StreamStat) =>
  cur.packets > prev.packets && cur.energy > prev.energy && cur.via.length > 0;
