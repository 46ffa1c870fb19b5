// Bandwidth reports to the server: fixed figures on every join, or figures measured from the selected candidate
// pairs of every live connection (peer connections and SFU transports), throttled so only real changes are sent.
import type { ClientMessage, DeviceClass } from '@consulta/protocol';
import {
  type BandwidthSample,
  combineSamples,
  defaultThrottle,
  type PairSummary,
  type ReportThrottle,
  shouldReport,
  statsValues,
  summarizeSelectedPair,
} from './stats.ts';

const KBPS_MAX = 10_000_000;

export interface BandwidthReporterOptions {
  send(message: ClientMessage): boolean;
  /** Live connections to measure, by a stable key. */
  connections(): Array<{ key: string; getStats(): Promise<RTCStatsReport> }>;
  /** Whether measuring makes sense now (joined). */
  active(): boolean;
  reported(sample: BandwidthSample): void;
  device?: DeviceClass;
  forcedRelay: boolean;
  polling?: false | ({ pollIntervalMs?: number } & Partial<ReportThrottle>);
  fixed?: { uplinkKbps: number; downlinkKbps: number; relayOnly?: boolean };
}

export class BandwidthReporter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastPairs = new Map<string, PairSummary>();
  private lastReport: { sample: BandwidthSample; at: number } | null = null;

  constructor(private readonly o: BandwidthReporterOptions) {}

  /** Sends the fixed figures (on every join), when configured. */
  reportFixed(): void {
    const fixed = this.o.fixed;
    if (!fixed) return;
    this.report({
      uplinkKbps: clampKbps(fixed.uplinkKbps),
      downlinkKbps: clampKbps(fixed.downlinkKbps),
      relayOnly: fixed.relayOnly ?? this.o.forcedRelay,
    });
  }

  start(): void {
    const opts = this.o.polling;
    if (opts === false || this.o.fixed || this.timer) return;
    const throttle: ReportThrottle = {
      minIntervalMs: opts?.minIntervalMs ?? defaultThrottle.minIntervalMs,
      maxIntervalMs: opts?.maxIntervalMs ?? defaultThrottle.maxIntervalMs,
      changeRatio: opts?.changeRatio ?? defaultThrottle.changeRatio,
    };
    let busy = false;
    this.timer = setInterval(() => {
      if (busy || !this.o.active()) return;
      busy = true;
      void this.measure(throttle).finally(() => {
        busy = false;
      });
    }, opts?.pollIntervalMs ?? 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async measure(throttle: ReportThrottle): Promise<void> {
    const current = new Map<string, PairSummary>();
    await Promise.all(
      this.o.connections().map(async (c) => {
        try {
          const pair = summarizeSelectedPair(statsValues(await c.getStats()));
          if (pair) current.set(c.key, pair);
        } catch {
          // closed meanwhile
        }
      }),
    );
    const sample = combineSamples(current, this.lastPairs, this.o.forcedRelay);
    this.lastPairs = current;
    if (!sample) return;
    sample.uplinkKbps = Math.min(KBPS_MAX, sample.uplinkKbps);
    sample.downlinkKbps = Math.min(KBPS_MAX, sample.downlinkKbps);
    if (!shouldReport(this.lastReport, sample, Date.now(), throttle)) return;
    this.report(sample);
  }

  private report(sample: BandwidthSample): void {
    const sent = this.o.send({
      type: 'bandwidth',
      ...sample,
      ...(this.o.device ? { device: this.o.device } : {}),
    });
    if (!sent) return;
    this.lastReport = { sample, at: Date.now() };
    this.o.reported(sample);
  }
}

const clampKbps = (n: number) => Math.min(KBPS_MAX, Math.max(0, Math.round(n)));
