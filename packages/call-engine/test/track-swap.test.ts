import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SwappableSender, TrackSwapper } from '../src/track-swap.ts';

const track = (id: string) => ({ id }) as unknown as MediaStreamTrack;

/** Like RTCRtpSender: `track` changes only when a replaceTrack settles, in call order. */
function sender(initial: MediaStreamTrack | null = null) {
  const pending: Array<{ track: MediaStreamTrack | null; settle: (ok: boolean) => void }> = [];
  const s = {
    track: initial,
    calls: [] as Array<MediaStreamTrack | null>,
    replaceTrack(t: MediaStreamTrack | null) {
      s.calls.push(t);
      return new Promise<void>((resolve, reject) => {
        pending.push({
          track: t,
          settle: (ok) => {
            if (ok) {
              s.track = t;
              resolve();
            } else reject(new Error('InvalidStateError'));
          },
        });
      });
    },
    /** Settles the oldest pending replaceTrack. */
    async settle(ok = true) {
      pending.shift()?.settle(ok);
      await new Promise((r) => setImmediate(r));
    },
  };
  return s satisfies SwappableSender;
}

test('a stop right after a share is not lost while the share’s replaceTrack is in flight', async () => {
  const screen = track('screen');
  const s = sender();
  const swapper = new TrackSwapper();
  swapper.swap(s, screen);
  swapper.swap(s, null); // sender.track is still null here: comparing with it would skip this call
  assert.deepEqual(s.calls, [screen, null]);
  await s.settle();
  await s.settle();
  assert.equal(s.track, null);
  assert.equal(swapper.intended(s), null);
});

test('asking again for the track already asked for makes no call', () => {
  const cam = track('camera');
  const s = sender(cam);
  const swapper = new TrackSwapper();
  swapper.swap(s, cam);
  assert.deepEqual(s.calls, []);
  swapper.swap(s, null);
  swapper.swap(s, null);
  assert.deepEqual(s.calls, [null]);
});

test('a refused swap is forgotten: the next one compares with what the sender really holds', async () => {
  const cam = track('camera');
  const s = sender(cam);
  const swapper = new TrackSwapper();
  swapper.swap(s, null);
  await s.settle(false);
  assert.equal(swapper.intended(s), cam);
  swapper.swap(s, null);
  assert.deepEqual(s.calls, [null, null]);
});
