// Reading getStats() reports (plain objects, so this is testable without a browser) and deciding when a
// bandwidth measurement is worth telling the server.

/** The part of one connection's stats the engine uses. */
export interface PairSummary {
  /** Selected candidate pair's congestion-control estimate, bit/s (absent before the first estimate). */
  availableOutgoingBitrate?: number;
  availableIncomingBitrate?: number;
  bytesSent: number;
  bytesReceived: number;
  /** ms (stats timestamp). */
  timestamp: number;
  localCandidateType?: string;
  remoteCandidateType?: string;
  /** Seconds, the latest STUN round trip on the pair (absent before the first). */
  currentRoundTripTime?: number;
}

type Stat = { type?: unknown; id?: unknown; [k: string]: unknown };

/** A getStats() report as a list of plain stat objects (forEach: no DOM.Iterable needed). */
export function statsValues(report: { forEach(cb: (value: unknown) => void): void }): Stat[] {
  const out: Stat[] = [];
  report.forEach((v) => {
    out.push(v as Stat);
  });
  return out;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The selected candidate pair (via the transport's selectedCandidatePairId, else a nominated succeeded pair). */
export function summarizeSelectedPair(stats: Iterable<Stat>): PairSummary | null {
  const byId = new Map<string, Stat>();
  const all: Stat[] = [];
  for (const s of stats) {
    all.push(s);
    if (typeof s.id === 'string') byId.set(s.id, s);
  }
  let pair: Stat | undefined;
  for (const s of all) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      pair = byId.get(s.selectedCandidatePairId);
      if (pair) break;
    }
  }
  // Firefox has no transport stats; it flags the pair in use with a non-standard `selected`.
  pair ??= all.find((s) => s.type === 'candidate-pair' && s.selected === true);
  pair ??= all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
  if (!pair) return null;
  const local = typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const remote = typeof pair.remoteCandidateId === 'string' ? byId.get(pair.remoteCandidateId) : undefined;
  const out: PairSummary = {
    bytesSent: num(pair.bytesSent) ?? 0,
    bytesReceived: num(pair.bytesReceived) ?? 0,
    timestamp: num(pair.timestamp) ?? 0,
  };
  const aob = num(pair.availableOutgoingBitrate);
  const aib = num(pair.availableIncomingBitrate);
  if (aob !== undefined) out.availableOutgoingBitrate = aob;
  if (aib !== undefined) out.availableIncomingBitrate = aib;
  const rtt = num(pair.currentRoundTripTime);
  if (rtt !== undefined) out.currentRoundTripTime = rtt;
  if (typeof local?.candidateType === 'string') out.localCandidateType = local.candidateType;
  if (typeof remote?.candidateType === 'string') out.remoteCandidateType = remote.candidateType;
  return out;
}

export interface BandwidthSample {
  uplinkKbps: number;
  downlinkKbps: number;
  relayOnly: boolean;
}

/**
 * Combines the connections' selected pairs into one measurement. Uplink: the best congestion-control estimate
 * of any connection (each estimates the same access link), or what they send now where the browser gives no
 * estimate (Firefox). Downlink: the sum of what arrives now (a lower
 * bound) or the receivers' estimate when the browser gives one, whichever is larger. `previous` holds each
 * connection's last summary (by key) to turn byte counters into rates.
 */
export function combineSamples(
  current: ReadonlyMap<string, PairSummary>,
  previous: ReadonlyMap<string, PairSummary>,
  forcedRelay: boolean,
): BandwidthSample | null {
  let up: number | undefined;
  let upRate: number | undefined;
  let downRate = 0;
  let downEstimate = 0;
  let relayPairs = 0;
  for (const [key, s] of current) {
    if (s.availableOutgoingBitrate !== undefined) up = Math.max(up ?? 0, s.availableOutgoingBitrate);
    if (s.availableIncomingBitrate !== undefined) downEstimate += s.availableIncomingBitrate;
    const p = previous.get(key);
    if (p && s.timestamp > p.timestamp && s.bytesReceived >= p.bytesReceived) {
      downRate += ((s.bytesReceived - p.bytesReceived) * 8 * 1000) / (s.timestamp - p.timestamp);
    }
    if (p && s.timestamp > p.timestamp && s.bytesSent >= p.bytesSent) {
      upRate = (upRate ?? 0) + ((s.bytesSent - p.bytesSent) * 8 * 1000) / (s.timestamp - p.timestamp);
    }
    if (s.localCandidateType === 'relay') relayPairs++;
  }
  // Firefox exposes no congestion-control estimate (availableOutgoingBitrate): what the connections send now is
  // then the uplink figure, a lower bound like the received rate is for the downlink.
  up ??= upRate;
  if (up === undefined || current.size === 0) return null;
  return {
    uplinkKbps: Math.round(up / 1000),
    downlinkKbps: Math.round(Math.max(downRate, downEstimate) / 1000),
    relayOnly: forcedRelay || relayPairs === current.size,
  };
}

export interface ReportThrottle {
  /** Never report more often than this (default 5000 ms). */
  minIntervalMs: number;
  /** Report anyway after this long, so the server's view stays fresh (default 30000 ms). */
  maxIntervalMs: number;
  /** Relative change that is worth reporting before maxIntervalMs (default 0.2). */
  changeRatio: number;
}

export const defaultThrottle: ReportThrottle = {
  minIntervalMs: 5000,
  maxIntervalMs: 30_000,
  changeRatio: 0.2,
};

/** Whether `next` should be sent, given the last report sent (and when). */
export function shouldReport(
  last: { sample: BandwidthSample; at: number } | null,
  next: BandwidthSample,
  now: number,
  throttle: ReportThrottle = defaultThrottle,
): boolean {
  if (!last) return true;
  const elapsed = now - last.at;
  if (elapsed < throttle.minIntervalMs) return false;
  if (elapsed >= throttle.maxIntervalMs) return true;
  if (next.relayOnly !== last.sample.relayOnly) return true;
  const changed = (a: number, b: number) => Math.abs(a - b) > throttle.changeRatio * Math.max(a, b, 1);
  return (
    changed(next.uplinkKbps, last.sample.uplinkKbps) || changed(next.downlinkKbps, last.sample.downlinkKbps)
  );
}

/** What one connection's media tells about the link beyond its candidate pair. */
export interface MediaSummary {
  /** Some outgoing video is held back by the congestion controller (qualityLimitationReason 'bandwidth'). */
  bandwidthLimited: boolean;
  /** Our media is being sent on this connection. */
  sending: boolean;
  /** Highest share of our packets the far end reports lost (remote-inbound-rtp fractionLost). */
  remoteLoss: number;
  packetsReceived: number;
  packetsLost: number;
}

export function summarizeMedia(stats: Iterable<Stat>): MediaSummary {
  const out: MediaSummary = {
    bandwidthLimited: false,
    sending: false,
    remoteLoss: 0,
    packetsReceived: 0,
    packetsLost: 0,
  };
  for (const s of stats) {
    if (s.type === 'outbound-rtp') {
      out.sending = true;
      if (s.kind === 'video' && s.qualityLimitationReason === 'bandwidth') out.bandwidthLimited = true;
    } else if (s.type === 'remote-inbound-rtp') {
      out.remoteLoss = Math.max(out.remoteLoss, num(s.fractionLost) ?? 0);
    } else if (s.type === 'inbound-rtp') {
      out.packetsReceived += num(s.packetsReceived) ?? 0;
      out.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
    }
  }
  return out;
}

export interface Observation {
  pair: PairSummary;
  media: MediaSummary;
}

/** Signs, from the live connections, that the link carries less now than the last probe said (kbit/s). */
export interface CongestionEvidence {
  /** Outgoing video is bandwidth-limited: what the congestion controllers of all connections allow together. */
  uplinkKbps?: number;
  /** Incoming media loses more than `lossRatio` of its packets: what arrives. */
  downlinkKbps?: number;
}

/**
 * Evidence of a constrained link between two polls. When the link has room, the controllers' estimates and
 * the received rate only show what the call sends, so they say nothing; when outgoing video is held back, the
 * controllers' estimates summed over every connection sharing the uplink are what it carries; when incoming
 * media is lost, what still arrives bounds the downlink.
 */
export function congestionEvidence(
  current: ReadonlyMap<string, Observation>,
  previous: ReadonlyMap<string, Observation>,
  lossRatio = 0.05,
): CongestionEvidence {
  const out: CongestionEvidence = {};
  let limited = false;
  let upSum = 0;
  let received = 0;
  let lost = 0;
  let downRate = 0;
  let sending = 0;
  let lossy = 0;
  for (const [key, o] of current) {
    if (o.media.bandwidthLimited) limited = true;
    if (o.media.sending) {
      sending++;
      if (o.media.remoteLoss > lossRatio) lossy++;
    }
    upSum += o.pair.availableOutgoingBitrate ?? 0;
    const p = previous.get(key);
    if (!p) continue;
    received += Math.max(0, o.media.packetsReceived - p.media.packetsReceived);
    lost += Math.max(0, o.media.packetsLost - p.media.packetsLost);
    if (o.pair.timestamp > p.pair.timestamp && o.pair.bytesReceived >= p.pair.bytesReceived) {
      downRate += ((o.pair.bytesReceived - p.pair.bytesReceived) * 8) / (o.pair.timestamp - p.pair.timestamp);
    }
  }
  // Loss reported by every receiver of ours (two or more) is our uplink's; one receiver's loss may be its downlink.
  if (sending >= 2 && lossy === sending) limited = true;
  if (limited && upSum > 0) out.uplinkKbps = Math.round(upSum / 1000);
  if (received + lost >= 50 && lost / (received + lost) > lossRatio) out.downlinkKbps = Math.round(downRate);
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

/** Whether the selected pairs say this client only gets through via TURN. */
export function relayOnlyOf(pairs: ReadonlyMap<string, PairSummary>, forcedRelay: boolean): boolean {
  if (forcedRelay) return true;
  if (pairs.size === 0) return false;
  return [...pairs.values()].every((p) => p.localCandidateType === 'relay');
}
