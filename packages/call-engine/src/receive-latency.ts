// The receive side's latency per incoming stream, from getStats alone (what a real call has; the latency probe
// in tests/ measures glass to glass). Each figure is taken over the interval since the previous observation of
// the same receiver (the counters are cumulative, and a call's first seconds would dominate a lifetime average):
// jitter buffer = Δ jitterBufferDelay / Δ jitterBufferEmittedCount, decode (video) = Δ totalDecodeTime /
// Δ framesDecoded, network = the connection's current round-trip time / 2. Pure: stats in, figures out.
import type { MediaKind, StreamLatency } from '@consulta/protocol';
import { summarizeSelectedPair } from './stats.ts';

type Stat = { type?: unknown; id?: unknown; [k: string]: unknown };

/** One receiver of a stream: where its media comes from and its stats report, as plain objects. */
export interface LatencySource {
  /** Stable per receiver (link key, or SFU consumer), so deltas are taken against the right counters. */
  key: string;
  streamId: string;
  via: string;
  stats: Stat[];
}

interface Counters {
  jitterDelay: number;
  emitted: number;
  decodeTime: number;
  decoded: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const ms = (seconds: number): number => Math.min(60_000, Math.max(0, Math.round(seconds * 1000)));

export class ReceiveLatencyEstimator {
  private previous = new Map<string, Counters>();

  /** Figures for every inbound stream of `sources`; forgets receivers that are gone. */
  observe(sources: readonly LatencySource[]): StreamLatency[] {
    const out: StreamLatency[] = [];
    const seen = new Set<string>();
    for (const source of sources) {
      const pair = summarizeSelectedPair(source.stats);
      const rtt = pair?.currentRoundTripTime;
      for (const s of source.stats) {
        if (s.type !== 'inbound-rtp' || (s.kind !== 'audio' && s.kind !== 'video')) continue;
        const kind = s.kind as MediaKind;
        const key = `${source.key}|${String(s.id)}`;
        seen.add(key);
        const now: Counters = {
          jitterDelay: num(s.jitterBufferDelay),
          emitted: num(s.jitterBufferEmittedCount),
          decodeTime: num(s.totalDecodeTime),
          decoded: num(s.framesDecoded),
        };
        const before = this.previous.get(key) ?? { jitterDelay: 0, emitted: 0, decodeTime: 0, decoded: 0 };
        this.previous.set(key, now);
        const emitted = now.emitted - before.emitted;
        const decoded = now.decoded - before.decoded;
        // Nothing played out since the last look: no figure rather than a stale one.
        if (emitted <= 0) continue;
        const entry: StreamLatency = {
          streamId: source.streamId,
          kind,
          via: source.via,
          jitterBufferMs: ms((now.jitterDelay - before.jitterDelay) / emitted),
          totalMs: 0,
        };
        if (rtt !== undefined) entry.networkMs = ms(rtt / 2);
        if (kind === 'video' && decoded > 0)
          entry.decodeMs = ms((now.decodeTime - before.decodeTime) / decoded);
        entry.totalMs = (entry.jitterBufferMs ?? 0) + (entry.networkMs ?? 0) + (entry.decodeMs ?? 0);
        out.push(entry);
      }
    }
    for (const key of [...this.previous.keys()]) if (!seen.has(key)) this.previous.delete(key);
    return out;
  }
}
