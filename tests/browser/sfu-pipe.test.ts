// Large sessions across workers: with two mediasoup workers and a tiny media.pipeThreshold, a 3-person SFU call
// places members on routers on both workers, joined by pipeToRouter, and every page decodes every other in
// Chromium. Runs in a loopback-only network namespace.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { MediasoupWatch } from '../support/mediasoup-watch.ts';
import { sfuCallTest } from './sfu-support.ts';

const watch = new MediasoupWatch();

sfuCallTest(
  fileURLToPath(import.meta.url),
  {
    what: 'SFU call across two workers (pipeToRouter) in Chromium',
    title: 'a 3-person SFU call spanning two workers',
    overrides: {
      routing: { treeMaxParticipants: 2 },
      media: { numWorkers: 2, pipeThreshold: 1 },
    },
  },
  'members on two workers, producers piped both ways, everyone decodes everyone',
  async (call) => {
    await call.open();
    await call.admitGuest('patient', 'PATIENT');
    await call.admitGuest('family', 'FAMILY');
    await call.settledOn('sfu');
    await call.allReceive('sfu');
    await call.allShowFrames();

    const live = watch.routers.filter((r) => !r.router.closed);
    const workers = new Set(live.map((r) => r.worker.pid));
    assert.equal(workers.size, 2, 'the room has routers on both workers');
    const webrtc = watch.liveTransports('webrtc');
    assert.equal(webrtc.length, 6, 'a send and a receive transport per member');
    assert.equal(
      new Set(webrtc.map((t) => watch.workerOf.get(t)?.pid)).size,
      2,
      'members’ transports are on both workers',
    );
    assert.ok(watch.liveTransports('pipe').length >= 2, 'pipe transports link the two routers');
    await call.assertNoErrors();
  },
);
