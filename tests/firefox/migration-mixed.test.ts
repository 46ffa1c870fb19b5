// Live migration p2p -> SFU -> p2p with Firefox participants (mediasoup-client's Firefox handler on the SFU leg,
// Firefox's own peer connection on the p2p legs): the scenario of tests/browser/sfu-migration-scenario.ts with a
// Chromium clinician, a Firefox patient (on p2p before and after, on the SFU between) and a Firefox relative
// whose arrival moves the call to the SFU. Everyone keeps decoding throughout; the longest frame gaps print as
// `MEASURE`. Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrateThereAndBack } from '../browser/sfu-migration-scenario.ts';
import { SfuCall } from '../browser/sfu-support.ts';
import { launchEngines } from '../support/browser-engine.ts';
import { assertNamespacedRunPasses, inLoopbackNamespace } from '../support/chromium.ts';
import { MediasoupWatch } from '../support/mediasoup-watch.ts';

const thisFile = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('p2p <-> SFU migration with Firefox participants, inside a loopback-only network namespace', async () => {
    await assertNamespacedRunPasses(thisFile, 1);
  });
} else {
  describe('live migration between p2p and the SFU, Firefox and Chromium', () => {
    let browsers: Awaited<ReturnType<typeof launchEngines>>;
    let call: SfuCall;
    const watch = new MediasoupWatch();

    before(async () => {
      browsers = await launchEngines(['chromium', 'firefox']);
      call = await SfuCall.start(browsers.engines.get('chromium')!, { routing: { treeMaxParticipants: 2 } });
    });
    after(async () => {
      await call?.close();
      await browsers?.close();
    });

    test('Firefox patient: p2p -> sfu when a Firefox relative joins, back to p2p when they leave', async (t) => {
      const firefox = browsers.engines.get('firefox')!;
      await migrateThereAndBack(call, watch, { patient: firefox, family: firefox }, (line) => {
        console.log(`MEASURE ${line}`);
        t.diagnostic(line);
      });
    });
  });
}
