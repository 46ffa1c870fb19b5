import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { congestionEvidence, linkSample, type Observation, summarizeMedia } from '../src/index.ts';

/** One connection between two polls: what it sends, and its incoming streams' packet counters. */
interface Conn {
  sending?: boolean;
  held?: boolean;
  /** The encoder is CPU-limited. */
  cpu?: boolean;
  remoteLoss?: number;
  aob?: number;
  /** The plan's video cap, known once the connection has ramped up (kbit/s). */
  cap?: number;
  bytesReceived?: number;
  /** Bytes sent by the second poll (the first has none): by default what a video sender sends in 2 s. */
  bytesSent?: number;
  inbound?: Record<string, { kind: string; received: number; lost: number }>;
}

function observe(c: Conn, at: number): Observation {
  const stats: Array<Record<string, unknown>> = [];
  if (c.sending) {
    stats.push({
      type: 'outbound-rtp',
      kind: 'video',
      qualityLimitationReason: c.held ? 'bandwidth' : c.cpu ? 'cpu' : 'none',
    });
    stats.push({ type: 'remote-inbound-rtp', kind: 'video', fractionLost: c.remoteLoss ?? 0 });
  }
  for (const [id, s] of Object.entries(c.inbound ?? {})) {
    stats.push({ type: 'inbound-rtp', id, kind: s.kind, packetsReceived: s.received, packetsLost: s.lost });
  }
  return {
    pair: {
      bytesSent: c.bytesSent ?? (c.sending ? 100_000 : 0),
      bytesReceived: c.bytesReceived ?? 0,
      timestamp: at,
      ...(c.aob === undefined ? {} : { availableOutgoingBitrate: c.aob }),
    },
    media: summarizeMedia(stats),
    ...(c.cap === undefined ? {} : { settledCapKbps: c.cap }),
  };
}

/** Evidence between a first poll (all counters zero) and a second one 2 s later with `conns`. */
function evidence(conns: Record<string, Conn>) {
  const zero = (c: Conn): Conn => ({
    ...c,
    bytesReceived: 0,
    bytesSent: 0,
    inbound: Object.fromEntries(
      Object.entries(c.inbound ?? {}).map(([id, s]) => [id, { ...s, received: 0, lost: 0 }]),
    ),
  });
  const previous = new Map(Object.entries(conns).map(([k, c]) => [k, observe(zero(c), 0)]));
  const current = new Map(Object.entries(conns).map(([k, c]) => [k, observe(c, 2000)]));
  return congestionEvidence(current, previous);
}

const clean = { kind: 'video', received: 300, lost: 0 };
const lossy = { kind: 'video', received: 240, lost: 60 };

describe('link evidence: our link or someone else’s', () => {
  test('every connection we send on holds video back: our uplink, the estimates summed', () => {
    const e = evidence({
      a: { sending: true, held: true, aob: 150_000 },
      b: { sending: true, held: true, aob: 100_000 },
    });
    assert.equal(e.uplinkKbps, 250);
  });

  test('a collapsed uplink: the encoders at their floor say "none", but every estimate is far under its cap', () => {
    // The lab's relay after fibre -> weak mobile: four connections, reason 'none', 85 kbit/s against 2452.
    const e = evidence({
      own1: { sending: true, aob: 85_000, cap: 2452 },
      own2: { sending: true, aob: 88_000, cap: 2452 },
      relayed1: { sending: true, aob: 84_000, cap: 2452 },
      relayed2: { sending: true, aob: 86_000, cap: 2452 },
    });
    assert.equal(e.uplinkKbps, 343);
  });

  test('a ramped-up connection with no estimate this poll does not hide what the others show', () => {
    // The lab's relay in CI: one of four connections at a time gave no availableOutgoingBitrate after the drop.
    const e = evidence({
      own1: { sending: true, aob: 85_000, cap: 2452 },
      own2: { sending: true, cap: 2452 },
      relayed1: { sending: true, aob: 84_000, cap: 2452 },
    });
    assert.equal(e.uplinkKbps, 169);
    const none = evidence({ a: { sending: true, cap: 2452 }, b: { sending: true, cap: 2452 } });
    assert.equal(none.uplinkKbps, undefined, 'no estimate anywhere says nothing');
    const ramping = evidence({ a: { sending: true, aob: 85_000, cap: 2452 }, b: { sending: true } });
    assert.equal(ramping.uplinkKbps, undefined, 'one still ramping up (no cap yet) still vetoes');
  });

  test('a connection that sent next to nothing neither vetoes nor adds its untested estimate', () => {
    // CI: the relay's connection forwarding one child's stream to the other kept 1839 kbit/s, sending nothing.
    const e = evidence({
      own1: { sending: true, aob: 54_000, cap: 2452 },
      own2: { sending: true, aob: 84_000, cap: 2452 },
      idle: { sending: true, aob: 1_839_000, cap: 2452, bytesSent: 1000 },
    });
    assert.equal(e.uplinkKbps, 138);
    const allIdle = evidence({ a: { sending: true, aob: 1_839_000, cap: 2452, bytesSent: 1000 } });
    assert.equal(allIdle.uplinkKbps, undefined, 'nothing sent anywhere says nothing');
  });

  test('estimates above the caps (a link with room), or one connection under it (its far end): no evidence', () => {
    const roomy = evidence({
      a: { sending: true, aob: 5_700_000, cap: 2452 },
      b: { sending: true, aob: 4_000_000, cap: 2452 },
    });
    assert.equal(roomy.uplinkKbps, undefined);
    const oneWeakChild = evidence({
      weak: { sending: true, aob: 300_000, cap: 2452 },
      fibre: { sending: true, aob: 4_000_000, cap: 2452 },
    });
    assert.equal(oneWeakChild.uplinkKbps, undefined);
  });

  test('an encoder short of CPU on any connection: the estimates under the caps are not read as the link', () => {
    const e = evidence({
      a: { sending: true, aob: 500_000, cap: 2452, cpu: true },
      b: { sending: true, aob: 500_000, cap: 2452 },
    });
    assert.equal(e.uplinkKbps, undefined);
  });

  test('no cap known (a connection still ramping up, or uncapped): a low estimate alone says nothing', () => {
    const e = evidence({
      a: { sending: true, aob: 85_000 },
      b: { sending: true, aob: 85_000, cap: 2452 },
    });
    assert.equal(e.uplinkKbps, undefined);
  });

  test('one child of ours held back (its downlink), the others not: no uplink evidence', () => {
    const e = evidence({
      weak: { sending: true, held: true, aob: 300_000 },
      fibre: { sending: true, held: false, aob: 2_000_000 },
    });
    assert.equal(e.uplinkKbps, undefined);
  });

  test('the only connection we send on (the SFU) held back: our uplink', () => {
    assert.equal(evidence({ sfu: { sending: true, held: true, aob: 380_000 } }).uplinkKbps, 380);
  });

  test('every receiver reports loss of what we send (two or more): our uplink', () => {
    const e = evidence({
      a: { sending: true, remoteLoss: 0.2, aob: 200_000 },
      b: { sending: true, remoteLoss: 0.1, aob: 200_000 },
    });
    assert.equal(e.uplinkKbps, 400);
    assert.equal(evidence({ a: { sending: true, remoteLoss: 0.2, aob: 200_000 } }).uplinkKbps, undefined);
  });

  test('loss on the streams of weak senders only is theirs: no downlink evidence', () => {
    // The lab's failing case: a fibre clinician receiving two weak-mobile peers directly and a fibre relay.
    const e = evidence({
      weak2: { bytesReceived: 100_000, inbound: { v: lossy, a: { kind: 'audio', received: 90, lost: 10 } } },
      relative: { bytesReceived: 300_000, inbound: { v1: clean, v2: clean } },
    });
    assert.equal(e.downlinkKbps, undefined);
  });

  test('on one SFU connection too: only the lossy senders’ streams lose', () => {
    const e = evidence({ sfu: { bytesReceived: 400_000, inbound: { w1: lossy, w2: lossy, f: clean } } });
    assert.equal(e.downlinkKbps, undefined);
  });

  test('every incoming video stream loses: our downlink; what arrives bounds it (kbit/s)', () => {
    const e = evidence({
      a: { bytesReceived: 250_000, inbound: { v: lossy } },
      sfu: {
        bytesReceived: 125_000,
        inbound: { w: lossy, f: lossy, au: { kind: 'audio', received: 100, lost: 0 } },
      },
    });
    assert.equal(e.downlinkKbps, 1500);
  });

  test('audio only: audio streams are judged; a trickle of packets says nothing', () => {
    const au = { kind: 'audio', received: 90, lost: 10 };
    assert.equal(evidence({ a: { bytesReceived: 20_000, inbound: { x: au, y: au } } }).downlinkKbps, 80);
    const few = { kind: 'video', received: 9, lost: 5 };
    assert.equal(evidence({ a: { bytesReceived: 20_000, inbound: { x: few } } }).downlinkKbps, undefined);
  });

  test('the sample: uplink lowered only well below the probe; incoming loss asks for a new probe', () => {
    const capacity = { uplinkKbps: 1000, downlinkKbps: 16_000 };
    const low = linkSample(capacity, { uplinkKbps: 400 }, false);
    assert.deepEqual(low, {
      sample: { uplinkKbps: 400, downlinkKbps: 16_000, relayOnly: false },
      lowered: true,
      reprobe: true,
    });
    assert.equal(linkSample(capacity, { uplinkKbps: 800 }, false).lowered, false);
    const lost = linkSample(capacity, { downlinkKbps: 2000 }, true);
    assert.deepEqual(lost, { sample: { ...capacity, relayOnly: true }, lowered: false, reprobe: true });
  });
});

test("the SFU's probator stream (downlink probes, no sender's media) is not counted as incoming media", () => {
  const media = summarizeMedia([
    { type: 'inbound-rtp', id: 'V', kind: 'video', mid: '1', packetsReceived: 900, packetsLost: 0 },
    // Chromium: mid and track 'probator'; Firefox may give only one of them.
    { type: 'inbound-rtp', id: 'P', kind: 'video', mid: 'probator', packetsReceived: 40, packetsLost: 60 },
    {
      type: 'inbound-rtp',
      id: 'Q',
      kind: 'video',
      trackIdentifier: 'probator',
      packetsReceived: 1,
      packetsLost: 9,
    },
  ]);
  assert.deepEqual(Object.keys(media.inbound), ['V']);
});
