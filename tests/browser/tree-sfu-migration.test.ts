// Live migration between a peer tree and the SFU in real Chromium, make before break, no re-join: three people
// talk over a tree (treeMaxParticipants 3), a fourth joins and the room moves to the SFU; once the SFU feeds every
// tile the tree's peer connections close. The fourth leaves and the three go back to a tree; once the tree
// delivers, the SFU sessions close. Each tile keeps its one MediaStream throughout. The longest gap between frames
// a tile of the three showed is printed as `MEASURE` (bench/switch.bench.ts collects it); only that media resumes
// is asserted. Runs in a loopback-only network namespace.
import { fileURLToPath } from 'node:url';
import { MediasoupWatch } from '../support/mediasoup-watch.ts';
import {
  assertOneStreamPerTile,
  assertSwitchNegotiations,
  gaps,
  markSwitch,
  peersClosed,
  sfuReachedText,
  steadyGap,
} from './sfu-migration-scenario.ts';
import { assertStandbyActivated, assertStandbyWhileWaiting, standbyOverrides } from './sfu-standby.ts';
import { sfuCallTest, until } from './sfu-support.ts';

const watch = new MediasoupWatch();

sfuCallTest(
  fileURLToPath(import.meta.url),
  {
    what: 'tree <-> SFU migration in Chromium',
    title: 'live migration between a tree and the SFU',
    overrides: { routing: { treeMaxParticipants: 3 }, ...standbyOverrides },
  },
  'tree -> sfu when a fourth joins, sfu -> tree when they leave; media resumes each time',
  async (call, t) => {
    const measure = (line: string) => {
      console.log(`MEASURE ${line}`);
      t.diagnostic(line);
    };
    try {
      await call.open();
      await call.admitGuest('patient', 'PATIENT');
      await call.admitGuest('family', 'FAMILY');
      const three = [...call.people];
      await call.settledOn('tree');
      await call.allReceive('peers');
      await call.allShowFrames();

      // A fourth person: the room moves to the SFU. The three keep decoding throughout.
      const beforeUp = await steadyGap(three);
      const joinAt = Date.now();
      const upMark = await markSwitch(three);
      // While the fourth waits, the three build their SFU path ahead (warm standby); it carries nothing.
      let standby: Awaited<ReturnType<typeof assertStandbyWhileWaiting>> | null = null;
      let admittedAt = 0;
      const fourth = await call.admitGuest('interpreter', 'INTERPRETER', undefined, async () => {
        standby = await assertStandbyWhileWaiting(three);
        admittedAt = Date.now();
      });
      await call.settledOn('sfu');
      const viaSfu = await call.allReceive('sfu');
      measure(`tree->sfu: ${sfuReachedText(viaSfu, three, admittedAt)}; ${standby!.text}`);
      await assertStandbyActivated(three, standby!.epochs);
      await until(() => peersClosed(call), 60_000, 'peer connections closed after the move to the SFU');
      await call.allShowFrames();
      const up = await gaps(three, joinAt);
      measure(`tree->sfu: longest frame gap ${up.max} ms [${up.text}]; ${beforeUp}`);
      measure(`tree->sfu: ${await assertSwitchNegotiations(three, upMark)}`);
      await assertOneStreamPerTile(three);
      await call.assertNoErrors();

      // The fourth leaves: back to a tree; its peer connections first, then the SFU sessions close.
      const beforeDown = await steadyGap(three);
      const leaveAt = Date.now();
      const downMark = await markSwitch(three);
      await call.leave(fourth);
      await call.settledOn('tree');
      await call.allReceive('peers');
      await until(
        async () => {
          const sfu = await Promise.all(three.map((p) => p.page.evaluate(() => window.sfuTest.viaSfu())));
          return sfu.every((v) => Object.keys(v).length === 0);
        },
        60_000,
        'the SFU sessions closed after the move to the tree',
      );
      await until(
        () => watch.liveTransports('webrtc').length === 0,
        30_000,
        'the server closed every SFU transport',
      );
      await call.allShowFrames();
      const down = await gaps(three, leaveAt);
      measure(`sfu->tree: longest frame gap ${down.max} ms [${down.text}]; ${beforeDown}`);
      measure(`sfu->tree: ${await assertSwitchNegotiations(three, downMark)}`);
      await assertOneStreamPerTile(three);
      await call.assertNoErrors();
    } catch (err) {
      await call.dump();
      throw err;
    }
  },
);
