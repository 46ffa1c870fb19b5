// Live migration between p2p and the SFU in real Chromium, make before break, no re-join: the scenario of
// sfu-migration-scenario.ts with every page in Chromium. The longest gap between frames a tile showed is printed
// as `MEASURE` (bench/switch.bench.ts collects it). Runs in a loopback-only network namespace.
import { fileURLToPath } from 'node:url';
import { MediasoupWatch } from '../support/mediasoup-watch.ts';
import { migrateThereAndBack } from './sfu-migration-scenario.ts';
import { standbyOverrides } from './sfu-standby.ts';
import { sfuCallTest } from './sfu-support.ts';

const watch = new MediasoupWatch();

sfuCallTest(
  fileURLToPath(import.meta.url),
  {
    what: 'p2p <-> SFU migration in Chromium',
    title: 'live migration between p2p and the SFU',
    overrides: { routing: { treeMaxParticipants: 2 }, ...standbyOverrides },
  },
  'p2p -> sfu when a third joins, sfu -> p2p when they leave; media resumes each time',
  async (call, t) => {
    await migrateThereAndBack(call, watch, {}, (line) => {
      console.log(`MEASURE ${line}`);
      t.diagnostic(line);
    });
  },
);
