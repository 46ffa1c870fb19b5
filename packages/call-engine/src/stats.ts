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

/** One getStats() entry, as plain data. */
export type Stat = { type?: unknown; id?: unknown; [k: string]: unknown };

/** A getStats() report as a list of plain stat objects (forEach: no DOM.Iterable needed). */
export function statsValues(report: { forEach(cb: (value: unknown) => void): void }): Stat[] {
  const out: Stat[] = [];
  report.forEach((v) => {
    out.push(v as Stat);
  });
  return out;
}

/** How long a getStats() may take before a poll gives up on it. */
const STATS_TIMEOUT_MS = 3000;

/**
 * `source`'s stats, or a rejection once `ms` have passed. A poll that waits on a getStats() that never settles
 * stalls every later poll behind its busy flag: a CI run's harness call into a Firefox page hung for 180 s just
 * as connections closed after a relay's handover (suspected: getStats on a connection closed while it ran).
 */
export function statsWithin(
  source: { getStats(): Promise<RTCStatsReport> },
  ms = STATS_TIMEOUT_MS,
): Promise<RTCStatsReport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`getStats() did not settle in ${ms} ms`)), ms);
  });
  return Promise.race([source.getStats(), timeout]).finally(() => clearTimeout(timer));
}

/** A finite number, else undefined (stats fields may be missing or NaN). */
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

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
  /** Incoming media lost on the paths in use, percent (receive-loss.ts); absent while unknown. */
  receiveLossPercent?: number;
}

/** What the connections sent between two polls, kbit/s (0 without a previous poll of any of them). */
export function sentKbps(
  current: ReadonlyMap<string, PairSummary>,
  previous: ReadonlyMap<string, PairSummary>,
): number {
  return Math.round((sentBps(current, previous) ?? 0) / 1000);
}

/** What the connections sent between two polls, bit/s; undefined when none of them was polled before. */
function sentBps(
  current: ReadonlyMap<string, PairSummary>,
  previous: ReadonlyMap<string, PairSummary>,
): number | undefined {
  let bps: number | undefined;
  for (const [key, s] of current) {
    const p = previous.get(key);
    if (p && s.timestamp > p.timestamp && s.bytesSent >= p.bytesSent) {
      bps = (bps ?? 0) + ((s.bytesSent - p.bytesSent) * 8 * 1000) / (s.timestamp - p.timestamp);
    }
  }
  return bps;
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
    if (s.localCandidateType === 'relay') relayPairs++;
  }
  // Firefox exposes no congestion-control estimate (availableOutgoingBitrate): what the connections send now is
  // then the uplink figure, a lower bound like the received rate is for the downlink.
  up ??= sentBps(current, previous);
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

/**
 * Whether `next` should be sent, given the last report sent (and when). `collapsed`: the uplink in `next` was
 * lowered on live evidence that the link collapsed (link-evidence.ts, persisted over polls); a drop that big is
 * sent at once, not held back by minIntervalMs: a relay on a collapsed link starves its subtree until the
 * server replans, and a periodic report just before the collapse once held the news back 5 s (issue 10's lab:
 * shed 15 s after the drop against a 10 s target). Evidence only lowers the figure once per probe, so this
 * cannot flap.
 */
export function shouldReport(
  last: { sample: BandwidthSample; at: number } | null,
  next: BandwidthSample,
  now: number,
  throttle: ReportThrottle = defaultThrottle,
  collapsed = false,
): boolean {
  if (!last) return true;
  const elapsed = now - last.at;
  const changed = (a: number, b: number) => Math.abs(a - b) > throttle.changeRatio * Math.max(a, b, 1);
  const dropped =
    collapsed && next.uplinkKbps < last.sample.uplinkKbps && changed(next.uplinkKbps, last.sample.uplinkKbps);
  if (elapsed < throttle.minIntervalMs) return dropped;
  if (elapsed >= throttle.maxIntervalMs) return true;
  if (next.relayOnly !== last.sample.relayOnly) return true;
  if (lossChanged(last.sample.receiveLossPercent, next.receiveLossPercent)) return true;
  return (
    changed(next.uplinkKbps, last.sample.uplinkKbps) || changed(next.downlinkKbps, last.sample.downlinkKbps)
  );
}

/**
 * A loss figure worth telling: the first one, or one a point or more from the last told. One going unknown is
 * not news by itself (a switched path measures afresh); the next periodic report carries it.
 */
const LOSS_CHANGE_POINTS = 1;
function lossChanged(last: number | undefined, next: number | undefined): boolean {
  if (next === undefined) return false;
  return last === undefined || Math.abs(next - last) >= LOSS_CHANGE_POINTS;
}

/** Whether the selected pairs say this client only gets through via TURN. */
export function relayOnlyOf(pairs: ReadonlyMap<string, PairSummary>, forcedRelay: boolean): boolean {
  if (forcedRelay) return true;
  if (pairs.size === 0) return false;
  return [...pairs.values()].every((p) => p.localCandidateType === 'relay');
}
