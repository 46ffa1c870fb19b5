// A 3-person consultation through the SFU in real Chromium: the routing policy is forced onto the SFU
// (treeMaxParticipants 2), every page runs mediasoup-client through the call engine against the real mediasoup
// worker. Everyone decodes everyone's video and hears their audio through SFU consumers, active-speaker events
// arrive (and say nobody once everyone is muted), and muting a camera pauses the consumers on the other side (and unmuting resumes them). The clinician's
// camera is 960x540, so it sends three simulcast layers: a receiver's tile preference picks the layer it gets
// (narrow tile: the narrowest, 240 px; wide: the widest being sent, 960 px unless the encoder is CPU-limited)
// and a hidden tile gets none.
// Runs in a loopback-only network namespace (the file re-runs itself under `unshare --net`).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { type SfuCall, sfuCallTest, until } from './sfu-support.ts';

sfuCallTest(
  fileURLToPath(import.meta.url),
  {
    what: '3-person SFU call in Chromium',
    title: '3-person call through the SFU',
    // Chromium's fake microphone beeps once a second, which averages -70 to -76 dBov over the observer's 1.5 s:
    // far quieter than speech (the default threshold, -55), so the test hears it as speaking at -90.
    overrides: { routing: { treeMaxParticipants: 2 }, media: { speechThresholdDbov: -90 } },
  },
  'everyone decodes everyone through SFU consumers; active speaker; mute pauses',
  async (call, t) => {
    const started = Date.now();
    await call.open({ width: 960, height: 540 });
    await call.admitGuest('patient', 'PATIENT');
    await call.admitGuest('family', 'FAMILY');
    await call.settledOn('sfu');
    const firsts = await call.allReceive('sfu');
    t.diagnostic(`all 6 pairs decoding via the SFU after ${Math.max(...firsts.values()) - started} ms`);
    await call.allShowFrames();
    const widths = await Promise.all(
      call.people.map(async (p) =>
        Object.values(await p.page.evaluate(() => window.sfuTest.viaSfu())).map((r) => r.frameWidth),
      ),
    );
    t.diagnostic(`decoded widths via the SFU: ${JSON.stringify(widths)}`);
    // Nothing flows over peer connections: the SFU is the only path.
    for (const p of call.people) {
      assert.deepEqual(
        await p.page.evaluate(() => window.sfuTest.viaPeers()),
        {},
        `${p.name}: no peer links`,
      );
    }

    // The fake microphones beep: the observer names a dominant speaker, everyone hears about it.
    const ids = call.people.map((p) => p.id);
    await until(
      async () => {
        const heard = await Promise.all(
          call.people.map((p) => p.page.evaluate(() => window.sfuTest.activeSpeakers())),
        );
        return heard.every((list) => list.some((id) => id !== null && ids.includes(id)));
      },
      15_000,
      'active-speaker events on every page',
    );

    // Everyone mutes: the room falls silent, and every page is told nobody speaks (it kept the last speaker
    // highlighted before the server watched audio levels too).
    const lastHeard = () =>
      Promise.all(call.people.map((p) => p.page.evaluate(() => window.sfuTest.activeSpeakers().at(-1))));
    for (const p of call.people) await p.page.evaluate(() => window.sfuTest.setMuted('audio', true));
    const mutedAt = Date.now();
    await until(
      async () => (await lastHeard()).every((id) => id === null),
      15_000,
      'nobody speaking, told to every page once all are muted',
    );
    t.diagnostic(`all muted -> every page told nobody speaks after ${Date.now() - mutedAt} ms`);
    // The clinician speaks again (its fake microphone beeps): every page names it, though the dominant-speaker
    // observer may still hold it from before and so say nothing new.
    const [first] = call.people;
    await first!.page.evaluate(() => window.sfuTest.setMuted('audio', false));
    await until(
      async () => (await lastHeard()).every((id) => id === first!.id),
      15_000,
      'the clinician named again once it speaks',
    );
    for (const p of call.people.slice(1))
      await p.page.evaluate(() => window.sfuTest.setMuted('audio', false));

    // The patient turns the camera off: the others' consumers of it pause (they are told), frames stop.
    const [doctor, patient, family] = call.people as [
      SfuCall['people'][0],
      SfuCall['people'][0],
      SfuCall['people'][0],
    ];
    await patient.page.evaluate(() => window.sfuTest.setMuted('video', true));
    for (const r of [doctor, family]) {
      await r.page.waitForFunction(
        (pid) => window.sfuTest.paused().some((e) => e.peerId === pid && e.kind === 'video' && e.paused),
        patient.id,
      );
    }
    const frames = async () =>
      (await doctor.page.evaluate(() => window.sfuTest.viaSfu()))[patient.id]?.frames ?? 0;
    // Frames stop: two samples a second apart show no new decoded frame of the patient.
    await until(
      async () => {
        const a = await frames();
        await new Promise((r) => setTimeout(r, 1000));
        return (await frames()) === a;
      },
      10_000,
      'the patient’s video stops at the clinician',
    );
    const stillAudio = async () =>
      (await family.page.evaluate(() => window.sfuTest.viaSfu()))[patient.id]?.audioPackets ?? 0;
    const audioBefore = await stillAudio();
    await until(async () => (await stillAudio()) > audioBefore, 5000, 'the patient’s audio still flows');

    await patient.page.evaluate(() => window.sfuTest.setMuted('video', false));
    for (const r of [doctor, family]) {
      await r.page.waitForFunction(
        (pid) => window.sfuTest.paused().some((e) => e.peerId === pid && e.kind === 'video' && !e.paused),
        patient.id,
      );
    }
    const resumedFrom = await frames();
    await until(async () => (await frames()) > resumedFrom, 10_000, 'the patient’s video flows again');

    // Simulcast: the family's tile of the clinician decides the layer the SFU forwards.
    const widthAtFamily = async () =>
      (await family.page.evaluate(() => window.sfuTest.viaSfu()))[doctor.id]?.frameWidth ?? 0;
    const prefer = (visible: boolean, width: number) =>
      family.page.evaluate(
        ([id, v, w]) => window.sfuTest.setTilePreference(id as string, v as boolean, w as number),
        [doctor.id, visible, width] as const,
      );
    // The layers the clinician's encoder sends now: Chromium lowers or drops its top layer when the machine
    // is busy (quality limitation "cpu"), so "the full layer" is the widest one actually being sent, which
    // on a quiet machine is the camera's 960 px.
    // (A layer counts while its encoder is producing frames: a paused layer keeps its last width in the stats.)
    const sentWidths = async () => {
      const layers = () => doctor.page.evaluate(() => window.sfuTest.sentVideoLayers());
      const before = await layers();
      await new Promise((r) => setTimeout(r, 500));
      return (await layers())
        .filter(
          (l) => l.width > 0 && l.framesEncoded > (before.find((b) => b.rid === l.rid)?.framesEncoded ?? 0),
        )
        .map((l) => l.width);
    };
    let widest = 0;
    await prefer(true, 960);
    await until(
      async () => {
        const sent = await sentWidths();
        widest = Math.max(0, ...sent);
        return sent.length > 1 && (await widthAtFamily()) === widest;
      },
      20_000,
      'a wide tile gets the widest layer the clinician sends',
    );
    t.diagnostic(`wide tile: the ${widest} px layer (the camera is 960 px wide)`);
    let narrowest = 0;
    await prefer(true, 200);
    await until(
      async () => {
        const sent = await sentWidths();
        narrowest = Math.min(...sent);
        return sent.length > 1 && narrowest < widest && (await widthAtFamily()) === narrowest;
      },
      20_000,
      'a narrow tile gets the narrowest layer',
    );
    t.diagnostic(`narrow tile: the ${narrowest} px layer`);
    await prefer(false, 200);
    const doctorFrames = async () =>
      (await family.page.evaluate(() => window.sfuTest.viaSfu()))[doctor.id]?.frames ?? 0;
    await until(
      async () => {
        const a = await doctorFrames();
        await new Promise((r) => setTimeout(r, 1000));
        return (await doctorFrames()) === a;
      },
      10_000,
      'a hidden tile receives no video',
    );
    await prefer(true, 960);
    const shownFrom = await doctorFrames();
    await until(async () => (await doctorFrames()) > shownFrom, 10_000, 'visible again: video flows');
    await call.assertNoErrors();
  },
);
