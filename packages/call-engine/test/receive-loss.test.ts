import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Observation } from '../src/link-evidence.ts';
import { ReceiveLoss } from '../src/receive-loss.ts';

/** Packets one stream received and lost between two polls. */
type Delta = { kind: 'video' | 'audio'; received: number; lost: number };

const observation = (streams: Record<string, Delta>): Observation => ({
  pair: { bytesSent: 0, bytesReceived: 0, timestamp: 0 },
  media: {
    bandwidthLimited: false,
    cpuLimited: false,
    sending: true,
    remoteLoss: 0,
    inbound: Object.fromEntries(
      Object.entries(streams).map(([id, s]) => [
        id,
        { kind: s.kind, packetsReceived: s.received, packetsLost: s.lost },
      ]),
    ),
  },
});

/**
 * Feeds a baseline poll and then one poll per entry of `deltas` (per connection, per stream: what arrived and
 * was lost since the poll before, turned into the cumulative counters getStats gives); the figure after each.
 */
function feed(
  loss: ReceiveLoss,
  deltas: Array<Record<string, Record<string, Delta>>>,
  counted = (_: string) => true,
): Array<number | undefined> {
  const totals = new Map<string, Record<string, Delta>>();
  let previous = new Map<string, Observation>();
  const poll = (step: Record<string, Record<string, Delta>>) => {
    const current = new Map<string, Observation>();
    for (const [key, streams] of Object.entries(step)) {
      const total = totals.get(key) ?? {};
      for (const [id, d] of Object.entries(streams)) {
        const t = total[id] ?? { kind: d.kind, received: 0, lost: 0 };
        total[id] = { kind: d.kind, received: t.received + d.received, lost: t.lost + d.lost };
      }
      totals.set(key, total);
      current.set(key, observation(total));
    }
    loss.add(current, previous, counted);
    previous = current;
    return loss.percent();
  };
  const first = deltas[0] ?? {};
  poll(
    Object.fromEntries(
      Object.entries(first).map(([k, streams]) => [
        k,
        Object.fromEntries(Object.entries(streams).map(([id, d]) => [id, { ...d, received: 0, lost: 0 }])),
      ]),
    ),
  );
  return deltas.map(poll);
}

const video = (received: number, lost: number): Delta => ({ kind: 'video', received, lost });
const audio = (received: number, lost: number): Delta => ({ kind: 'audio', received, lost });
const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

describe('ReceiveLoss', () => {
  test('the share of video lost, once three polls and enough packets (150 without the worst poll) arrived', () => {
    const figures = feed(new ReceiveLoss(), repeat(4, { p2p: { v: video(76, 4), a: audio(100, 0) } }));
    // Two polls: too few; three: the worst left out, 160 packets, 5 % lost. Audio is not mixed in.
    assert.deepEqual(figures, [undefined, undefined, 5, 5]);
  });

  test('audio-only calls are judged on audio', () => {
    assert.deepEqual(feed(new ReceiveLoss(), repeat(3, { sfu: { a: audio(97, 3) } })), [
      undefined,
      undefined,
      3,
    ]);
  });

  test('a link that was down shows its outage as one poll of losses: left out, it does not read as a lossy path', () => {
    const clean = { p2p: { v: video(100, 0) } };
    // 10 s without packets, then the sequence gap of everything sent meanwhile counted lost in one poll.
    const figures = feed(new ReceiveLoss(), [clean, clean, { p2p: { v: video(20, 400) } }, clean]);
    assert.equal(figures.at(-1), 0);
    // An outage whose gap is counted over two polls: both are bursts (over 20 %), left out.
    const twice = feed(new ReceiveLoss(), [
      clean,
      clean,
      { p2p: { v: video(60, 200) } },
      { p2p: { v: video(70, 30) } },
      clean,
    ]);
    assert.equal(twice.at(-1), 0);
    // A path that loses a third of everything is not a burst: most polls say so.
    assert.equal(feed(new ReceiveLoss(), repeat(5, { p2p: { v: video(70, 30) } })).at(-1), 30);
    // Spread loss is not one poll's: 6 % in every poll stays 6 %.
    assert.equal(feed(new ReceiveLoss(), repeat(5, { p2p: { v: video(94, 6) } })).at(-1), 6);
  });

  test('old polls leave the window (five polls)', () => {
    const figures = feed(new ReceiveLoss(), [
      ...repeat(3, { c: { v: video(90, 10) } }),
      ...repeat(5, { c: { v: video(100, 0) } }),
    ]);
    assert.equal(figures[2], 10);
    // Two lossy polls and three clean ones in the window: one lossy left out, 10 of 400 lost.
    assert.equal(figures[5], 2.5);
    assert.equal(figures.at(-1), 0);
  });

  test('a connection that is gone takes its losses with it: a new path starts unknown', () => {
    const loss = new ReceiveLoss();
    feed(loss, repeat(3, { p2p: { v: video(90, 10) } }));
    assert.equal(loss.percent(), 10);
    // The call moved to the SFU: the direct link is closed, the SFU's transport has barely started.
    loss.add(new Map([['sfu', observation({ v: video(10, 0) })]]), new Map(), () => true);
    assert.equal(loss.percent(), undefined);
  });

  test('a connection missing from one poll (no selected pair for a moment) keeps its counts while it is live', () => {
    const loss = new ReceiveLoss();
    feed(loss, repeat(3, { p2p: { v: video(90, 10) } }));
    loss.add(new Map(), new Map(), () => true, new Set(['p2p']));
    assert.equal(loss.percent(), 10);
  });

  test('connections left out by the caller (ramping up) do not count', () => {
    const figures = feed(
      new ReceiveLoss(),
      repeat(4, { new: { v: video(150, 50) } }),
      (key) => key !== 'new',
    );
    assert.deepEqual(figures, repeat(4, undefined));
  });

  test('a late packet taken back from packetsLost lowers the figure, never below zero', () => {
    const figures = feed(new ReceiveLoss(), [
      { c: { v: video(100, 0) } },
      { c: { v: video(100, 0) } },
      { c: { v: video(100, 0) } },
      { c: { v: video(101, -1) } },
    ]);
    assert.deepEqual(figures, [undefined, undefined, 0, 0]);
  });
});
