// A tree relay whose network vanishes without a word (a laptop lid shut, a phone out of coverage): its link
// forwards nothing, so its signaling socket sends no close. The server pings relays every
// signaling.relayHeartbeatSeconds (3 s; everyone else every 15 s), drops the socket whose ping goes unanswered,
// and after the 2 s relay-loss window replans without it. Its children must see the streams it relayed again over
// other paths, and nobody sees it leave. Runs in a lab of its own; figures print as MEASURE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LabCall, labSuite, PROFILES } from '../support/netlab/index.ts';
import { orphansSeeVideoAgain, planText, planWithoutRelay, treeRelayedBy } from './call-checks.ts';

const thisFile = fileURLToPath(import.meta.url);

labSuite(
  thisFile,
  { what: 'a tree relay whose network vanishes, in the network lab', passes: 1, timeoutMs: 900_000 },
  'a relay whose network vanishes',
  (lab) => {
    test('the relay heartbeat finds it: the room is replanned without it and its children see video again', async () => {
      const call = await LabCall.start();
      try {
        // Each reports its profile's rates instead of probing: what is tested is the vanishing, and a probe
        // on a loaded machine can read the fibre too low to relay (relay-capacity-too-low: no tree at all).
        const rates = (profile: 'fibre' | 'dsl') => ({
          fixedBandwidth: { uplinkKbps: PROFILES[profile].upKbps, downlinkKbps: PROFILES[profile].downKbps },
        });
        const hub = await call.addClinician('hub', await lab().addHost('gone-hub', 'fibre'), rates('fibre'));
        await call.addGuest('a', await lab().addHost('gone-a', 'dsl'), rates('dsl'));
        await call.addGuest('b', await lab().addHost('gone-b', 'dsl'), rates('dsl'));
        const { plan, relayed } = await treeRelayedBy(call, hub);
        const goneAt = Date.now();
        await hub.host.setLinkUp(false);
        // The plan the others follow (the hub, cut off, never hears of it). With both left on 1 Mbit/s uplinks
        // no tree fits, so it is the SFU; with another fibre peer it would be a tree relayed by that one.
        const others = call.participants.filter((p) => p !== hub);
        const next = await planWithoutRelay(call, plan, hub, 60_000, others);
        const replannedMs = Date.now() - goneAt;
        // The ordinary heartbeat could not have dropped its socket sooner than 15 s after the cut (then the 2 s
        // window: 28.3 s measured before relays had their own heartbeat).
        assert.ok(replannedMs < 15_000, `found by the relay heartbeat (${replannedMs} ms after the cut)`);
        console.log(
          `MEASURE network gone -> replanned without the relay after ${replannedMs} ms: ${planText(next, call)}`,
        );
        await orphansSeeVideoAgain(call, relayed, hub, goneAt);
        // Its place is kept for the reconnect grace: nobody saw it leave.
        for (const p of others) {
          const lefts = await p.page.evaluate(() => window.lab.peerLefts());
          assert.deepEqual(lefts, [], `${p.name} saw nobody leave`);
        }
      } catch (err) {
        console.error(await call.dump());
        throw err;
      } finally {
        await call.close();
      }
    });
  },
);
