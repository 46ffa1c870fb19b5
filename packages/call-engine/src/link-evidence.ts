// What the live connections say about this client's own access link, beyond the probe's figure: signs that it
// carries less now. The hard part is attribution. A call's connections cross other people's links too: a weak
// receiver's downlink holds back the video we send it, a weak sender's lossy uplink loses the packets it sends
// us. Neither is our link, and acting on them put a fibre clinician's call on audio only (issue 10's lab: three
// weak-mobile streams' loss re-probed the clinician's link on a busy machine, which read it at a tenth). Our own
// link is the bottleneck when every path through it shows the symptom; one path alone is the far end's.
import { type BandwidthSample, num, type PairSummary, type Stat } from './stats.ts';

/** One incoming RTP stream's counters (inbound-rtp). */
export interface InboundCounters {
  kind: string;
  packetsReceived: number;
  packetsLost: number;
}

/** What one connection's media tells about the link beyond its candidate pair. */
export interface MediaSummary {
  /** Some outgoing video is held back by the congestion controller (qualityLimitationReason 'bandwidth'). */
  bandwidthLimited: boolean;
  /** Some outgoing video is held back by the encoder's CPU (qualityLimitationReason 'cpu'). */
  cpuLimited: boolean;
  /** Our media is being sent on this connection. */
  sending: boolean;
  /** Highest share of our packets the far end reports lost (remote-inbound-rtp fractionLost). */
  remoteLoss: number;
  /** Incoming streams by stats id: on an SFU connection each sender's media is a stream of its own. */
  inbound: Record<string, InboundCounters>;
}

export function summarizeMedia(stats: Iterable<Stat>): MediaSummary {
  const out: MediaSummary = {
    bandwidthLimited: false,
    cpuLimited: false,
    sending: false,
    remoteLoss: 0,
    inbound: {},
  };
  for (const s of stats) {
    if (s.type === 'outbound-rtp') {
      out.sending = true;
      if (s.kind === 'video' && s.qualityLimitationReason === 'bandwidth') out.bandwidthLimited = true;
      if (s.kind === 'video' && s.qualityLimitationReason === 'cpu') out.cpuLimited = true;
    } else if (s.type === 'remote-inbound-rtp') {
      out.remoteLoss = Math.max(out.remoteLoss, num(s.fractionLost) ?? 0);
    } else if (s.type === 'inbound-rtp' && !isProbator(s)) {
      const received = num(s.packetsReceived) ?? 0;
      const lost = Math.max(0, num(s.packetsLost) ?? 0);
      if (typeof s.id === 'string') {
        out.inbound[s.id] = { kind: String(s.kind ?? ''), packetsReceived: received, packetsLost: lost };
      }
    }
  }
  return out;
}

/**
 * mediasoup-client's receive transport holds one video stream that is no sender's: the "probator", on which the
 * SFU sends padding bursts to probe the downlink (mid and track "probator", SSRC 1234). Its counters say nothing
 * about lost media: counted with the rest, a clean 1:1 call through the SFU read 4 % lost (network lab).
 */
function isProbator(s: Stat): boolean {
  return s.mid === 'probator' || s.trackIdentifier === 'probator';
}

/**
 * What each incoming stream (present in both) received and lost between two polls of one connection. `lost` is
 * the raw difference: it falls when a packet counted lost arrives late.
 */
export function inboundDeltas(
  now: MediaSummary,
  before: MediaSummary,
): Array<{ kind: string; received: number; lost: number }> {
  return Object.entries(now.inbound).flatMap(([id, s]) => {
    const b = before.inbound[id];
    if (!b) return [];
    return [
      {
        kind: s.kind,
        received: Math.max(0, s.packetsReceived - b.packetsReceived),
        lost: s.packetsLost - b.packetsLost,
      },
    ];
  });
}

export interface Observation {
  pair: PairSummary;
  media: MediaSummary;
  /**
   * The most video this connection's senders may send (the plan's caps on their active encodings, kbit/s), once
   * the connection has been up long enough for its congestion controller to have ramped up to it; undefined
   * when no cap is known or the connection is new.
   */
  settledCapKbps?: number;
}

/** Signs, from the live connections, that the link carries less now than the last probe said (kbit/s). */
export interface CongestionEvidence {
  /** Outgoing video is bandwidth-limited: what the congestion controllers of all connections allow together. */
  uplinkKbps?: number;
  /** Incoming media loses more than `lossRatio` of its packets: what arrives. */
  downlinkKbps?: number;
}

/**
 * The congestion controller allows this connection less than half of what the plan lets it send. On a link with
 * room, Chrome's estimate climbs past the senders' caps (1.6-2.3 times them in the lab before a drop), so an
 * estimate well under the cap means the path holds the video back. This catches what qualityLimitationReason
 * misses: a link that collapses under a relay pushes the encoder to its floor (30 kbit/s), where Chrome reports
 * the reason as 'none' (seen in the lab: fibre to weak mobile, every connection 'none', estimates 85 kbit/s
 * against caps of 2452).
 */
function allowsBelowCap(o: Observation): boolean {
  const aob = o.pair.availableOutgoingBitrate;
  return o.settledCapKbps !== undefined && aob !== undefined && aob / 1000 < o.settledCapKbps * 0.5;
}

/**
 * A ramped-up connection whose controller gives no estimate this poll: Chrome leaves availableOutgoingBitrate out
 * for a moment when a link collapses (seen in the lab on one of four relay connections at a time). It neither
 * shows nor rules out a held-back link, so it must not veto what the others show.
 */
function estimateMissing(o: Observation): boolean {
  return o.settledCapKbps !== undefined && o.pair.availableOutgoingBitrate === undefined;
}

/** Below this rate (kbit/s, less than an audio stream) a connection sent next to nothing between two polls. */
const IDLE_KBPS = 16;

/**
 * A connection that sent next to nothing since the last poll: its controller's estimate was not tested by
 * anything and stays where it was, so it neither shows nor rules out a held-back link. Seen in CI on a relay
 * after its link collapsed: the connection forwarding one child's stream to the other kept 1839 kbit/s and a
 * 2 ms round trip for 45 s while the other three fell to 54-178 kbit/s.
 */
function sentAlmostNothing(o: Observation, previous: Observation | undefined): boolean {
  if (!previous || o.pair.timestamp <= previous.pair.timestamp) return false;
  const kbps =
    ((o.pair.bytesSent - previous.pair.bytesSent) * 8) / (o.pair.timestamp - previous.pair.timestamp);
  return kbps < IDLE_KBPS;
}

/** Fewer packets than this in a stream between two polls say nothing about its loss. */
const MIN_STREAM_PACKETS = 20;

/**
 * Evidence of a constrained link between two polls. When the link has room, the controllers' estimates and
 * the received rate only show what the call sends, so they say nothing. Uplink: when every connection we send
 * on holds its video back (the encoder says so, or the estimate is well under the plan's cap; one with no
 * estimate this poll is not counted either way) or, with two or more, every receiver reports loss, the
 * controllers' estimates summed over them are what our uplink carries. Downlink: when every incoming video
 * stream (audio when there is no video) loses more than `lossRatio`, what still arrives bounds it; loss on
 * some streams only is their senders'.
 */
export function congestionEvidence(
  current: ReadonlyMap<string, Observation>,
  previous: ReadonlyMap<string, Observation>,
  lossRatio = 0.05,
): CongestionEvidence {
  const out: CongestionEvidence = {};
  let sending = 0;
  let held = 0;
  let unknown = 0;
  let lossy = 0;
  let upSum = 0;
  let downRate = 0;
  const streams: Array<{ kind: string; received: number; lost: number }> = [];
  // A CPU-starved client delays its own packets (pacer, stats), which a delay-based controller reads as a queue
  // and backs off from; its encoders say 'cpu' then. The caps are no yardstick in that poll.
  const cpuStarved = [...current.values()].some((o) => o.media.cpuLimited);
  for (const [key, o] of current) {
    const p = previous.get(key);
    if (o.media.sending) {
      sending++;
      if (o.media.bandwidthLimited || (!cpuStarved && allowsBelowCap(o))) held++;
      else if (estimateMissing(o) || sentAlmostNothing(o, p)) unknown++;
      if (o.media.remoteLoss > lossRatio) lossy++;
      // Only connections carrying our media: a receive-only one's estimate is its controller's starting guess
      // (Chrome: 300 kbit/s), never tested by anything sent, and counting it read a collapsed 400 kbit/s
      // uplink as 958 in the lab. Nor one that sent next to nothing: its estimate is as untested.
      if (!sentAlmostNothing(o, p)) upSum += o.pair.availableOutgoingBitrate ?? 0;
    }
    if (!p) continue;
    for (const d of inboundDeltas(o.media, p.media)) streams.push({ ...d, lost: Math.max(0, d.lost) });
    if (o.pair.timestamp > p.pair.timestamp && o.pair.bytesReceived >= p.pair.bytesReceived) {
      downRate += ((o.pair.bytesReceived - p.pair.bytesReceived) * 8) / (o.pair.timestamp - p.pair.timestamp);
    }
  }
  const limited = (held > 0 && held + unknown === sending) || (sending >= 2 && lossy === sending);
  if (limited && upSum > 0) out.uplinkKbps = Math.round(upSum / 1000);

  const counted = streams.filter((s) => s.received + s.lost >= MIN_STREAM_PACKETS);
  // A full queue on our downlink drops video first (big packets); audio is judged only when no video arrives.
  const video = counted.filter((s) => s.kind === 'video');
  const judged = video.length > 0 ? video : counted;
  const received = judged.reduce((n, s) => n + s.received, 0);
  const lost = judged.reduce((n, s) => n + s.lost, 0);
  const everyStreamLossy =
    judged.length > 0 && judged.every((s) => s.lost / (s.received + s.lost) > lossRatio);
  if (everyStreamLossy && received + lost >= 50) out.downlinkKbps = Math.round(downRate);
  return out;
}

/**
 * The figures to report: the probed capacity, with the uplink lowered to what the connections show when that is
 * well below it (`lowered`: the link got worse; probe again). Lost incoming media only asks for a new probe
 * (`reprobe`): what still arrives during congestion is far below the link, and planning with it would put the
 * whole call on audio for a moment's loss.
 */
export function linkSample(
  capacity: { uplinkKbps: number; downlinkKbps: number },
  evidence: CongestionEvidence,
  relayOnly: boolean,
  margin = 0.7,
): { sample: BandwidthSample; lowered: boolean; reprobe: boolean } {
  const up = evidence.uplinkKbps !== undefined && evidence.uplinkKbps < capacity.uplinkKbps * margin;
  const down = evidence.downlinkKbps !== undefined && evidence.downlinkKbps < capacity.downlinkKbps * margin;
  return {
    sample: {
      uplinkKbps: up ? evidence.uplinkKbps! : capacity.uplinkKbps,
      downlinkKbps: capacity.downlinkKbps,
      relayOnly,
    },
    lowered: up,
    reprobe: up || down,
  };
}
