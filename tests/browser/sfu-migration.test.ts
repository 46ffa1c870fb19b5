// Live migration between p2p and the SFU in real Chromium, make before break, no re-join: the scenario of
// sfu-migration-scenario.ts with every page in Chromium. The longest gap between frames a tile showed is printed
// as `MEASURE` (bench/sfu-migration.bench.ts collects it). Runs in a loopback-only network namespace.
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { migrateThereAndBack } from './sfu-migration-scenario.ts';
import { MediasoupWatch, type SfuCall, sfuCallPerSuite } from './sfu-support.ts';

const thisFile = fileURLToPath(import.meta.url);

namespacedSuite(
  thisFile,
  { what: 'p2p <-> SFU migration in Chromium', passes: 1 },
  'live migration between p2p and the SFU',
  () => {
    let call!: SfuCall;
    const watch = new MediasoupWatch();
    sfuCallPerSuite({ routing: { treeMaxParticipants: 2 } }, (c) => {
      call = c;
    });

    test('p2p -> sfu when a third joins, sfu -> p2p when they leave; media resumes each time', async (t) => {
      await migrateThereAndBack(call, watch, {}, (line) => {
        console.log(`MEASURE ${line}`);
        t.diagnostic(line);
      });
    });
  },
);
