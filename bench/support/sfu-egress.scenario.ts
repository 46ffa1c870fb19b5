// The scenario behind bench/sfu-egress.bench.ts, run (like a test file) inside a loopback-only network namespace:
// the same 3-person call in Chromium once per topology, and over a fixed window the bytes the server sends
// (mediasoup WebRtcTransport stats) and the bytes each participant uploads (getStats), per participant and
// second. p2p and tree carry no media through the server; their participants' uplink is the comparable figure.
// Prints one `MEASURE egress {json}` line per topology.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SfuCall } from '../../tests/browser/sfu-support.ts';
import { launchChromium } from '../../tests/support/chromium.ts';
import { MediasoupWatch } from '../../tests/support/mediasoup-watch.ts';

const PARTICIPANTS = 3;
const WARMUP_MS = 4000;
const WINDOW_MS = 6000;

let browser: Awaited<ReturnType<typeof launchChromium>>;
const watch = new MediasoupWatch();

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const scenarios = [
  // treeMaxParticipants 2: three people go to the SFU.
  { topology: 'sfu', overrides: { routing: { treeMaxParticipants: 2 } }, bandwidth: undefined },
  // Ample uplinks: the policy prefers trees (no platform egress) for a small group.
  { topology: 'tree', overrides: {}, bandwidth: undefined },
  // No SFU and uplinks too small for any tree: the policy's last resort is a full mesh.
  {
    topology: 'p2p',
    overrides: { media: { enabled: false } },
    bandwidth: { uplinkKbps: 1500, downlinkKbps: 20_000 },
  },
] as const;

for (const s of scenarios) {
  test(`egress per participant, ${s.topology}`, async () => {
    const call = await SfuCall.start(browser, s.overrides, s.bandwidth);
    try {
      await call.open();
      for (let i = 1; i < PARTICIPANTS; i++) await call.admitGuest(`guest${i}`);
      await call.settledOn(s.topology);
      await call.allReceive(s.topology === 'sfu' ? 'sfu' : 'peers');
      await new Promise((r) => setTimeout(r, WARMUP_MS));
      const server = async () => {
        let bytes = 0;
        for (const t of watch.liveTransports('webrtc'))
          for (const st of (await t.getStats()) as Array<{ bytesSent: number }>) bytes += st.bytesSent;
        return bytes;
      };
      const uplink = () =>
        Promise.all(
          call.people.map((p) =>
            p.page.evaluate(
              async (sfu) => (sfu ? (await window.sfuTest.sfuBytes()).sent : window.sfuTest.peerBytesSent()),
              s.topology === 'sfu',
            ),
          ),
        );
      const [server0, up0, t0] = [await server(), await uplink(), Date.now()];
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const [server1, up1, t1] = [await server(), await uplink(), Date.now()];
      const seconds = (t1 - t0) / 1000;
      const kbps = (bytes: number) => Math.round((bytes * 8) / 1000 / seconds);
      const uplinks = up1.map((b, i) => kbps(b - up0[i]!));
      if (s.topology !== 'sfu') assert.equal(server1 - server0, 0, 'the server carries no media');
      console.log(
        `MEASURE egress ${JSON.stringify({
          topology: s.topology,
          participants: PARTICIPANTS,
          windowSeconds: seconds,
          serverEgressKbpsPerParticipant: kbps(server1 - server0) / PARTICIPANTS,
          uplinkKbpsPerParticipant: uplinks.reduce((a, b) => a + b, 0) / PARTICIPANTS,
          uplinksKbps: uplinks,
        })}`,
      );
    } catch (err) {
      await call.dump();
      throw err;
    } finally {
      await call.close();
    }
  });
}
