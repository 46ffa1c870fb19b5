// A tree relay whose network vanishes without a word (a laptop lid shut, a phone out of coverage: its link
// forwards nothing, so its signaling socket sends no close and the server's heartbeat would notice only after
// 15-30 s, then wait the 2 s relay loss window). Its neighbours' connections to it go ICE-disconnected within
// seconds and they say so (`peer-unreachable`); two agreeing shed it at once. Its children must see the streams
// it relayed again over other paths. Runs in a lab of its own; figures print as MEASURE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPerCore, STARVED_CPU_PER_CORE } from '../support/machine-load.ts';
import { LabCall, labSuite } from '../support/netlab/index.ts';
import { everyoneSeesVideo, known, planText, videoResumes } from './call-checks.ts';

const thisFile = fileURLToPath(import.meta.url);

/** The soonest the heartbeat alone could shed the relay: one 15 s interval (infra/config default.json5). */
const HEARTBEAT_FLOOR_MS = 15_000;

labSuite(
  thisFile,
  { what: 'a tree relay whose network vanishes, in the network lab', passes: 1, timeoutMs: 900_000 },
  'a relay whose network vanishes',
  (lab) => {
    test('its neighbours report it unreachable: the room is replanned without it and its children see video again', async () => {
      const call = await LabCall.start();
      try {
        const hub = await call.addClinician('hub', await lab().addHost('gone-hub', 'fibre'));
        await call.addGuest('a', await lab().addHost('gone-a', 'dsl'));
        await call.addGuest('b', await lab().addHost('gone-b', 'dsl'));
        const plan = await call.settledPlan(
          (p) =>
            p.topology === 'tree' &&
            known(p) &&
            p.edges.some((e) => e.parent === hub.id && e.streamId !== hub.id),
          60_000,
        );
        console.log(`MEASURE before: ${planText(plan, call)}`);
        const orphans = plan.edges.filter((e) => e.parent === hub.id && e.streamId !== hub.id);
        await everyoneSeesVideo(call, hub);

        const goneAt = Date.now();
        await hub.host.setLinkUp(false);
        const next = await call.settledPlan(
          (p) =>
            p.version > plan.version && !p.edges.some((e) => e.parent === hub.id && e.streamId !== hub.id),
          60_000,
        );
        const replannedMs = Date.now() - goneAt;
        console.log(
          `MEASURE network gone -> replanned without the relay after ${replannedMs} ms: ${planText(next, call)}`,
        );
        // Its place is kept (it may come back): the plan still names it, nobody saw it leave.
        assert.ok(
          next.edges.some((e) => e.child === hub.id),
          `its place is kept: ${planText(next, call)}`,
        );
        for (const e of orphans) {
          const child = call.participants.find((p) => p.id === e.child)!;
          const resumedMs = await videoResumes(child, e.streamId, hub.id, goneAt);
          console.log(`MEASURE ${child.name} sees ${call.nameOf(e.streamId)} again ${resumedMs} ms after`);
        }
        for (const p of call.participants) {
          if (p === hub) continue;
          const lefts = await p.page.evaluate(() => window.lab.peerLefts());
          assert.deepEqual(lefts, [], `${p.name} saw nobody leave`);
        }
        // Sooner than the heartbeat could have done it: the reports shed it. (The ICE timers run in the
        // browsers; only a CPU-starved machine delays them past this.)
        const perCore = loadPerCore();
        if (perCore <= STARVED_CPU_PER_CORE) {
          assert.ok(
            replannedMs < HEARTBEAT_FLOOR_MS,
            `shed before the heartbeat could (${replannedMs} ms, load ${perCore.toFixed(1)} per core)`,
          );
        } else console.log(`MEASURE heartbeat bound not checked at load ${perCore.toFixed(1)} per core`);
      } catch (err) {
        console.error(await call.dump());
        throw err;
      } finally {
        await call.close();
      }
    });
  },
);
