// Connection quality from a peer connection's getStats() report, as plain objects (pure: unit-tested without a
// browser). Round-trip time from the selected candidate pair, packet loss and jitter from the RTP streams.

type Stat = { type?: unknown; id?: unknown; kind?: unknown; [k: string]: unknown };

export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

/** Cumulative counters kept between two polls to turn them into rates. */
export interface QualityCounters {
  packetsLost: number;
  packetsReceived: number;
  /** Inbound audio: sum of squared levels × seconds, and seconds (for the average level over the interval). */
  audioEnergy: number;
  audioSeconds: number;
}

export interface QualityReading {
  level: QualityLevel;
  rttMs: number | null;
  /** Share of packets lost since the previous poll, in percent (what we receive and what they report). */
  lossPct: number | null;
  jitterMs: number | null;
  /** Average inbound audio level over the interval, 0..1 (null without audio or without a previous poll). */
  audioLevel: number | null;
  /** The selected candidate pair runs through a TURN relay on our side. */
  viaTurn: boolean;
  counters: QualityCounters;
}

/** Thresholds from the usual guidance for interactive calls (ITU-T G.114 puts one-way delay under 150 ms). */
export const QUALITY_LIMITS = {
  good: { rttMs: 300, lossPct: 2, jitterMs: 30 },
  fair: { rttMs: 600, lossPct: 8, jitterMs: 80 },
} as const;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function selectedPair(stats: Stat[], byId: Map<string, Stat>): Stat | undefined {
  for (const s of stats) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = byId.get(s.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  return stats.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
}

/** Reads one report; `previous` is the last reading's counters for the same connection (null on the first). */
export function readQuality(stats: Stat[], previous: QualityCounters | null): QualityReading {
  const byId = new Map<string, Stat>();
  for (const s of stats) if (typeof s.id === 'string') byId.set(s.id, s);

  const pair = selectedPair(stats, byId);
  const pairRtt = num(pair?.currentRoundTripTime);
  const localCandidate =
    typeof pair?.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const remoteRtts = stats
    .filter((s) => s.type === 'remote-inbound-rtp')
    .map((s) => num(s.roundTripTime))
    .filter((v): v is number => v !== undefined);
  const rttSeconds = pairRtt ?? (remoteRtts.length ? Math.max(...remoteRtts) : undefined);

  const counters: QualityCounters = { packetsLost: 0, packetsReceived: 0, audioEnergy: 0, audioSeconds: 0 };
  let jitterSeconds: number | undefined;
  let inbound = 0;
  for (const s of stats) {
    if (s.type !== 'inbound-rtp') continue;
    inbound++;
    counters.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
    counters.packetsReceived += num(s.packetsReceived) ?? 0;
    const j = num(s.jitter);
    if (j !== undefined) jitterSeconds = Math.max(jitterSeconds ?? 0, j);
    if (s.kind === 'audio') {
      counters.audioEnergy += num(s.totalAudioEnergy) ?? 0;
      counters.audioSeconds += num(s.totalSamplesDuration) ?? 0;
    }
  }

  // What the other side reports losing of ours (fractionLost is already a rate, 0..1).
  const reportedLoss = stats
    .filter((s) => s.type === 'remote-inbound-rtp')
    .map((s) => num(s.fractionLost))
    .filter((v): v is number => v !== undefined);
  let lossPct: number | null = reportedLoss.length ? Math.max(...reportedLoss) * 100 : null;
  let audioLevel: number | null = null;
  if (previous) {
    const lost = counters.packetsLost - previous.packetsLost;
    const received = counters.packetsReceived - previous.packetsReceived;
    if (lost >= 0 && received >= 0 && lost + received > 0)
      lossPct = Math.max(lossPct ?? 0, (lost / (lost + received)) * 100);
    const seconds = counters.audioSeconds - previous.audioSeconds;
    if (seconds > 0)
      audioLevel = Math.sqrt(Math.max(0, counters.audioEnergy - previous.audioEnergy) / seconds);
  }

  const rttMs = rttSeconds === undefined ? null : Math.round(rttSeconds * 1000);
  const jitterMs = jitterSeconds === undefined ? null : Math.round(jitterSeconds * 1000);
  return {
    level: classify(rttMs, lossPct, jitterMs, inbound > 0 || rttMs !== null),
    rttMs,
    lossPct: lossPct === null ? null : Math.round(lossPct * 10) / 10,
    jitterMs,
    audioLevel,
    viaTurn: localCandidate?.candidateType === 'relay',
    counters,
  };
}

/** The worst of the three figures decides; with no figure at all the quality is unknown. */
export function classify(
  rttMs: number | null,
  lossPct: number | null,
  jitterMs: number | null,
  measured: boolean,
): QualityLevel {
  if (!measured || (rttMs === null && lossPct === null && jitterMs === null)) return 'unknown';
  const within = (limits: { rttMs: number; lossPct: number; jitterMs: number }) =>
    (rttMs ?? 0) <= limits.rttMs && (lossPct ?? 0) <= limits.lossPct && (jitterMs ?? 0) <= limits.jitterMs;
  if (within(QUALITY_LIMITS.good)) return 'good';
  if (within(QUALITY_LIMITS.fair)) return 'fair';
  return 'poor';
}

export const QUALITY_WORDS: Record<QualityLevel, string> = {
  good: 'Good connection',
  fair: 'Fair connection',
  poor: 'Poor connection',
  unknown: 'Measuring connection',
};

/** "RTT 12 ms · loss 0 % · jitter 3 ms", leaving out what is not known yet. */
export function describeFigures(r: Pick<QualityReading, 'rttMs' | 'lossPct' | 'jitterMs'>): string {
  return [
    r.rttMs === null ? null : `RTT ${r.rttMs} ms`,
    r.lossPct === null ? null : `loss ${r.lossPct} %`,
    r.jitterMs === null ? null : `jitter ${r.jitterMs} ms`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** An average audio level (0..1) above this is someone speaking; ~0.02 is quiet background. */
export const SPEAKING_LEVEL = 0.02;

/** The loudest of the given levels above `threshold`. */
export function loudest(levels: ReadonlyMap<string, number>, threshold = SPEAKING_LEVEL): string | null {
  let best: string | null = null;
  let bestLevel = threshold;
  for (const [id, level] of levels) {
    if (level > bestLevel) {
      best = id;
      bestLevel = level;
    }
  }
  return best;
}

/** Cumulative audio energy and duration of a report's audio streams of one type. */
export interface AudioCounters {
  energy: number;
  seconds: number;
}

/** What we hear of a stream (`inbound-rtp`) or what our microphone gives (`media-source`), summed over the report. */
export function audioCounters(stats: Stat[], type: 'inbound-rtp' | 'media-source'): AudioCounters {
  const out = { energy: 0, seconds: 0 };
  for (const s of stats) {
    if (s.type !== type || s.kind !== 'audio') continue;
    out.energy += num(s.totalAudioEnergy) ?? 0;
    out.seconds += num(s.totalSamplesDuration) ?? 0;
  }
  return out;
}

/**
 * The average level between two polls (RMS, 0..1): null on the first poll; 0 when no audio went through in
 * between (a muted microphone, a paused stream), which is silence too.
 */
export function averageLevel(now: AudioCounters, before: AudioCounters | undefined): number | null {
  if (!before) return null;
  const seconds = now.seconds - before.seconds;
  return seconds > 0 ? Math.sqrt(Math.max(0, now.energy - before.energy) / seconds) : 0;
}

/**
 * The speaker to show on the SFU: the one the server announces, while they are heard. mediasoup's active-speaker
 * observer names the dominant speaker only when it changes, so after everyone falls silent the last one would stay
 * highlighted; their level, measured here, clears it, and brings it back when they speak again. Kept while no
 * level of theirs has been read yet (a first poll).
 */
export function heardSpeaker(
  announced: string | null,
  levels: ReadonlyMap<string, number | null>,
  threshold = SPEAKING_LEVEL,
): string | null {
  if (announced === null) return null;
  const level = levels.get(announced);
  return level === undefined || level === null || level > threshold ? announced : null;
}
