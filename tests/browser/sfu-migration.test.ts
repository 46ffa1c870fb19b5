// Live migration between p2p and the SFU in real Chromium, make before break, no re-join: two people on p2p, a
// third joins (treeMaxParticipants 2 puts three on the SFU), everyone keeps decoding and the peer connections
// close once the SFU delivers; the third leaves, the two go back to p2p and their SFU transports close on the
// server. Each tile keeps its one MediaStream throughout. The longest gap between frames a tile showed is
// printed as `MEASURE` (bench/sfu-migration.bench.ts collects it); the test asserts only that media resumes.
// Runs in a loopback-only network namespace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { MediasoupWatch, type Person, type SfuCall, sfuCallPerSuite, until } from './sfu-support.ts';

const thisFile = fileURLToPath(import.meta.url);

namespacedSuite(
  thisFile,
  { what: 'p2p <-> SFU migration in Chromium', passes: 1 },
  'live migration between p2p and the SFU',
  () => {
    let call!: SfuCall;
    sfuCallPerSuite({ routing: { treeMaxParticipants: 2 } }, (c) => {
      call = c;
    });
    const watch = new MediasoupWatch();

    /** The longest frame gap each pair among `people` saw since `since`, as "receiver<-sender ms". */
    async function gaps(people: Person[], since: number): Promise<{ max: number; text: string }> {
      const parts: string[] = [];
      let max = 0;
      for (const r of people) {
        const g = await r.page.evaluate((s) => window.sfuTest.longestGap(s), since);
        for (const s of people.filter((x) => x !== r)) {
          max = Math.max(max, g[s.id] ?? 0);
          parts.push(`${r.name}<-${s.name} ${g[s.id]} ms`);
        }
      }
      return { max, text: parts.join(', ') };
    }

    async function assertOneStreamPerTile(people: Person[]) {
      for (const r of people) {
        const shown = await r.page.evaluate(() => window.sfuTest.shown());
        for (const s of people.filter((x) => x !== r)) {
          assert.equal(shown[s.id]?.streams, 1, `${r.name}'s tile of ${s.name} kept its MediaStream`);
        }
      }
    }

    test('p2p -> sfu when a third joins, sfu -> p2p when they leave; media resumes each time', async (t) => {
      const measure = (line: string) => {
        console.log(`MEASURE ${line}`);
        t.diagnostic(line);
      };
      try {
        const doctor = await call.open();
        const patient = await call.admitGuest('patient', 'PATIENT');
        const pair = [doctor, patient];
        await call.settledOn('p2p');
        await call.allReceive('peers');
        await call.allShowFrames();

        // A third person: the room moves to the SFU. The p2p pair keeps decoding throughout.
        const joinAt = Date.now();
        const family = await call.admitGuest('family', 'FAMILY');
        await call.settledOn('sfu');
        await call.allReceive('sfu');
        // Make before break: the peer connections close once the SFU feeds every tile.
        await until(
          async () => {
            const peers = await Promise.all(
              call.people.map((p) => p.page.evaluate(() => window.sfuTest.viaPeers())),
            );
            return peers.every((v) => Object.keys(v).length === 0);
          },
          60_000,
          'peer connections closed after the move to the SFU',
        );
        await call.allShowFrames();
        const up = await gaps(pair, joinAt);
        measure(`p2p->sfu: longest frame gap ${up.max} ms [${up.text}]`);
        await assertOneStreamPerTile(pair);
        await call.assertNoErrors();

        // The third leaves: back to p2p; peer connections first, then the SFU session closes.
        const leaveAt = Date.now();
        await call.leave(family);
        await call.settledOn('p2p');
        await call.allReceive('peers');
        await until(
          async () => {
            const sfu = await Promise.all(pair.map((p) => p.page.evaluate(() => window.sfuTest.viaSfu())));
            return sfu.every((v) => Object.keys(v).length === 0);
          },
          60_000,
          'the SFU sessions closed after the move to p2p',
        );
        await until(
          () => watch.liveTransports('webrtc').length === 0,
          30_000,
          'the server closed every SFU transport',
        );
        await call.allShowFrames();
        const down = await gaps(pair, leaveAt);
        measure(`sfu->p2p: longest frame gap ${down.max} ms [${down.text}]`);
        await assertOneStreamPerTile(pair);
        await call.assertNoErrors();
      } catch (err) {
        await call.dump();
        throw err;
      }
    });
  },
);
