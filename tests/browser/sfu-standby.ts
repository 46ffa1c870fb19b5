// Warm standby in the switch tests (issue 15): while a guest waits whose admission will move the call onto the
// SFU, the people already in the call build their SFU session ahead, and nothing flows over it until the plan
// moves; the move then activates that same session (same epoch, no new one). The switch bench runs each switch
// with standby off too (CONSULTA_SWITCH_STANDBY=off sets media.standby false), before and after in one run.
import assert from 'node:assert/strict';
import type { Person } from './sfu-support.ts';
import { until } from './sfu-support.ts';

/** Whether this run uses warm standby (the default; the bench's comparison turns it off). */
export const STANDBY = process.env.CONSULTA_SWITCH_STANDBY !== 'off';

/** Server overrides for this run's standby setting. */
export const standbyOverrides = STANDBY ? {} : { media: { standby: false } };

/**
 * How long the standby is watched for traffic: a measurement window (as steady gaps are), long enough that a
 * sender's media would show as tens of kilobytes (320x240 video is ~40 kB/s at its lowest layer).
 */
const WATCH_MS = 2000;
/**
 * Media payload a standby may show in WATCH_MS. Chromium sends none on a sender without a track. Firefox sent
 * 120-1142 B of video in 2 s on a video sender without a track (small frames, black ones as far as their size
 * says), and Opus silence on an audio one (2047 B) until standby switched that sender's encoding off. A voice
 * stream is ~8 kB in 2 s and a camera's lowest layer ~80 kB, so these still fail on any real media.
 */
const STANDBY_MEDIA_BYTES_MAX = 4000;
/** Audio payload: none, but for a packet in flight when the watch starts. */
const STANDBY_AUDIO_BYTES_MAX = 500;

/** How long the senders get to drain what they queued before their tracks came out (see drained). */
const DRAIN_MS = 5000;

/**
 * Waits until no page's send transport counts more media payload between two reads 300 ms apart, at most
 * DRAIN_MS, and says how long that took and how much went meanwhile. A standby producer is negotiated with the
 * camera's track (mediasoup-client needs one) before its null swap; Chromium's pacer can still send the first
 * frames it queued after the swap (4.5 kB of video seen under CI load; 3.7 kB once before, kind not recorded). That is a one-off,
 * not a flow; a flow never settles, and the watch after this fails on it.
 */
async function drained(bytes: () => Promise<Array<{ mediaSent: number }>>): Promise<string> {
  const started = Date.now();
  const first = await bytes();
  let last = first;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await bytes();
    const quiet = now.every((b, i) => b.mediaSent === last[i]!.mediaSent);
    last = now;
    if (quiet || Date.now() - started >= DRAIN_MS) break;
  }
  const went = last.reduce((n, b, i) => n + b.mediaSent - first[i]!.mediaSent, 0);
  return `senders drained in ${Date.now() - started} ms, ${went} B meanwhile`;
}

const states = (p: Person) => p.page.evaluate(() => window.sfuTest.sfuStates());

/**
 * Waits until each of `people` has a standby SFU session, asserts nothing flows over it for WATCH_MS, and
 * returns its epoch per person with a MEASURE text. With standby off, asserts none is built.
 */
export async function assertStandbyWhileWaiting(
  people: Person[],
): Promise<{ epochs: Map<string, number>; text: string }> {
  const epochs = new Map<string, number>();
  if (!STANDBY) {
    for (const p of people) {
      assert.ok(!(await states(p)).some((s) => s.startsWith('standby:')), `${p.name} built no standby`);
    }
    return { epochs, text: 'standby off' };
  }
  await until(
    async () => {
      for (const p of people) {
        const last = (await states(p)).filter((s) => s.startsWith('standby:')).at(-1);
        if (last) epochs.set(p.id, Number(last.split(':')[1]));
      }
      return epochs.size === people.length;
    },
    30_000,
    'a standby SFU session on every page while the guest waits',
  );
  const bytes = () => Promise.all(people.map((p) => p.page.evaluate(() => window.sfuTest.sfuBytes())));
  const settled = await drained(bytes);
  const before = await bytes();
  await new Promise((r) => setTimeout(r, WATCH_MS));
  const after = await bytes();
  const parts: string[] = [];
  for (const [i, p] of people.entries()) {
    const sent = after[i]!.sent - before[i]!.sent;
    const received = after[i]!.received - before[i]!.received;
    // No media stream either way. What does cross the wire is ICE consent, RTCP and the congestion controllers'
    // bandwidth probes (padding): 0.1-3 kB per 2 s on a quiet machine, up to 14 kB seen under CI load, which is
    // why the wire's figure is printed, not bounded; the media payload is.
    const mediaSent = after[i]!.mediaSent - before[i]!.mediaSent;
    const mediaReceived = after[i]!.mediaReceived - before[i]!.mediaReceived;
    const audioSent = after[i]!.mediaSentAudio - before[i]!.mediaSentAudio;
    const audioReceived = after[i]!.mediaReceivedAudio - before[i]!.mediaReceivedAudio;
    const probes = after[i]!.probes - before[i]!.probes;
    parts.push(
      `${p.name} sent ${sent} B, received ${received} B (media ${mediaSent} B / ${mediaReceived} B, ` +
        `of which audio ${audioSent} B / ${audioReceived} B; probes ${probes} B)`,
    );
    assert.ok(
      mediaSent <= STANDBY_MEDIA_BYTES_MAX,
      `${p.name} sent ${mediaSent} B of media (audio ${audioSent} B) over its standby in ${WATCH_MS} ms`,
    );
    assert.ok(
      audioSent <= STANDBY_AUDIO_BYTES_MAX && audioReceived <= STANDBY_AUDIO_BYTES_MAX,
      `${p.name} sent ${audioSent} B and received ${audioReceived} B of audio over its standby`,
    );
    assert.ok(
      mediaReceived <= STANDBY_MEDIA_BYTES_MAX,
      `${p.name} received ${mediaReceived} B of media over its standby`,
    );
    // Its consumers exist (built ahead), paused on the server: not a frame or a packet through them.
    const via = await p.page.evaluate(() => window.sfuTest.viaSfu());
    for (const [sender, r] of Object.entries(via)) {
      assert.equal(r.frames + r.audioPackets, 0, `${p.name} got media from ${sender} through its standby`);
    }
  }
  return { epochs, text: `standby over ${WATCH_MS} ms (${settled}): ${parts.join('; ')}` };
}

/** After the move: each person's SFU session is the standby one, now up (activated, not started anew). */
export async function assertStandbyActivated(people: Person[], epochs: Map<string, number>): Promise<void> {
  if (!STANDBY) return;
  for (const p of people) {
    const epoch = epochs.get(p.id);
    const seen = await states(p);
    const after = seen.slice(seen.lastIndexOf(`standby:${epoch}`));
    assert.ok(after.includes(`up:${epoch}`), `${p.name}'s standby session went up: ${seen.join(', ')}`);
    assert.ok(!after.some((s) => s.startsWith('starting:')), `${p.name} started no other session: ${seen}`);
  }
}
