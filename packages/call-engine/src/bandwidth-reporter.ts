// Bandwidth reports to the server: fixed figures on every join, or the access link's capacity as a short HTTP
// probe measured it (link-probe.ts), lowered while the live connections show the link carries less (outgoing
// video held back, incoming media lost), and probed again then. Until a probe has succeeded nothing is reported,
// so the server plans with "unknown" (safe: such a peer never relays) instead of a congestion controller's
// estimate of what a small camera happens to send. Reports are throttled so only real changes are sent.
import type { BandwidthReport, ClientMessage, DeviceClass } from '@consulta/protocol';
import { congestionEvidence, linkSample, type Observation, summarizeMedia } from './link-evidence.ts';
import { type LinkCapacity, LinkProbeError } from './link-probe.ts';
import { ReceiveLoss } from './receive-loss.ts';
import type { BandwidthSample, PairSummary, ReportThrottle } from './stats.ts';
import {
  combineSamples,
  defaultThrottle,
  relayOnlyOf,
  sentKbps,
  shouldReport,
  statsValues,
  statsWithin,
  summarizeSelectedPair,
} from './stats.ts';

const KBPS_MAX = 10_000_000;
/** Probes prompted by evidence start at most this often: each fills the link for a few seconds. */
const REPROBE_SPACING_MS = 15_000;
/**
 * A connection's congestion controller is judged against the plan's cap only after this long: a new connection's
 * estimate starts low and ramps up (Chrome: a few seconds on a fast link), which must not read as a weak link.
 */
const RAMP_UP_MS = 8000;
/**
 * The call's own media sending this much more than the probed uplink shows the probe was starved (a busy
 * machine: seen at a fifth of a DSL uplink in CI), not that the link is slow.
 */
const UNDER_MEASURED_RATIO = 1.25;
/** Failed probes before the first success after which the connections' estimates are reported instead. */
const FIRST_PROBE_TRIES = 3;

/** How often the live connections are polled and reports sent; false: never (fixed figures only, if any). */
export type BandwidthPolling =
  | false
  | ({
      pollIntervalMs?: number;
      reprobeIntervalMs?: number;
      lowEvidencePolls?: number;
    } & Partial<ReportThrottle>);

/** A live connection, by a stable key. */
export interface MeasurableConnection {
  key: string;
  getStats(): Promise<RTCStatsReport>;
  /** The most video the plan lets it send (kbit/s), when known: see link-evidence.ts allowsBelowCap. */
  videoCapKbps?(): number | undefined;
}

export interface BandwidthReporterOptions {
  send(message: ClientMessage): boolean;
  /** Live connections to measure. */
  connections(): MeasurableConnection[];
  /** Whether measuring makes sense now (joined). */
  active(): boolean;
  /** Whether the client waits in the lobby: a probe that finishes then is reported at once (kept for admission). */
  waiting?(): boolean;
  reported(sample: BandwidthSample): void;
  device?: DeviceClass;
  forcedRelay: boolean;
  polling?: BandwidthPolling;
  fixed?: { uplinkKbps: number; downlinkKbps: number; relayOnly?: boolean };
  /** Measures the link's capacity; without it (or when it fails) reports fall back to the connections' estimates. */
  probe?: () => Promise<LinkCapacity>;
}

export class BandwidthReporter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = new Map<string, Observation>();
  /** When each connection (by key) was first seen connected. */
  private firstSeen = new Map<string, number>();
  private lastReport: { sample: BandwidthSample; at: number } | null = null;
  private capacity: { value: LinkCapacity; at: number } | null = null;
  private probing = false;
  private probeFailed = false;
  /** Consecutive polls whose evidence was below the probed capacity. */
  private lowPolls = 0;
  /** Consecutive polls in which the connections sent clearly more than the probed uplink (see UNDER_MEASURED_RATIO). */
  private highPolls = 0;
  /** The uplink the live connections showed once the evidence persisted, until a probe measures it again. */
  private loweredUplinkKbps: number | null = null;
  private probeStartedAt = 0;
  /** Probes failed in a row since the last that succeeded. */
  private probeFailures = 0;
  /** Incoming media lost on the paths in use (reported with every sample once known). */
  private readonly loss = new ReceiveLoss();
  private probeEndedAt = 0;
  /** The figures the last `join` carried, so `reportFixed` after `joined` does not send them again. */
  private carriedByJoin: BandwidthSample | null = null;

  constructor(private readonly o: BandwidthReporterOptions) {}

  /**
   * What to send with `join`: the fixed figures, or else the last report (a rejoin after the place expired), so
   * the server's first plan for the newcomer already has them (one plan per join, not two). Undefined when
   * nothing is known yet.
   */
  forJoin(): BandwidthReport | undefined {
    const sample = this.fixedSample() ?? this.lastReport?.sample ?? this.probedSample();
    this.carriedByJoin = sample;
    if (!sample) return undefined;
    return { ...sample, ...(this.o.device ? { device: this.o.device } : {}) };
  }

  /** Sends the fixed figures (on every join), when configured and the join did not carry them already. */
  reportFixed(): void {
    const sample = this.fixedSample();
    if (!sample) return;
    const carried = this.carriedByJoin;
    this.carriedByJoin = null;
    if (carried && sameSample(carried, sample)) {
      this.lastReport = { sample, at: Date.now() };
      this.o.reported(sample);
      return;
    }
    this.report(sample);
  }

  private probedSample(): BandwidthSample | null {
    if (!this.capacity) return null;
    const { uplinkKbps, downlinkKbps } = this.capacity.value;
    return {
      uplinkKbps: clampKbps(uplinkKbps),
      downlinkKbps: clampKbps(downlinkKbps),
      relayOnly: this.o.forcedRelay,
    };
  }

  private fixedSample(): BandwidthSample | null {
    const fixed = this.o.fixed;
    if (!fixed) return null;
    return {
      uplinkKbps: clampKbps(fixed.uplinkKbps),
      downlinkKbps: clampKbps(fixed.downlinkKbps),
      relayOnly: fixed.relayOnly ?? this.o.forcedRelay,
    };
  }

  start(): void {
    const opts = this.o.polling;
    if (opts === false || this.o.fixed || this.timer) return;
    // Probe at once, not at the first poll after joining: a guest waiting to be admitted has its figures in the
    // plan that admits it, and a rejoin carries them in its join.
    this.startProbe();
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
    const opts = this.o.polling || {};
    const current = new Map<string, Observation>();
    const now = Date.now();
    const listed = this.o.connections();
    await Promise.all(
      listed.map(async (c) => {
        try {
          const stats = statsValues(await statsWithin(c));
          const pair = summarizeSelectedPair(stats);
          if (!pair) return;
          const since = this.firstSeen.get(c.key) ?? now;
          this.firstSeen.set(c.key, since);
          const cap = now - since >= RAMP_UP_MS ? c.videoCapKbps?.() : undefined;
          current.set(c.key, {
            pair,
            media: summarizeMedia(stats),
            ...(cap !== undefined ? { settledCapKbps: cap } : {}),
          });
        } catch {
          // closed meanwhile
        }
      }),
    );
    // A connection's age counts from when it first connected until it is gone: a poll without its selected
    // pair (a link so lossy that ICE consent checks fail for a moment) must not start its ramp-up over, which
    // once held a collapsed relay's evidence back 8 s more (issue 10's lab, in CI).
    const live = new Set(listed.map((c) => c.key));
    for (const key of this.firstSeen.keys()) if (!live.has(key)) this.firstSeen.delete(key);
    const previous = this.last;
    this.last = current;
    // Our own probe fills the link while it runs (and in the poll that spans its end): media lost then is ours.
    const pollMs = opts.pollIntervalMs ?? 2000;
    if (!this.probing && now - this.probeEndedAt > pollMs) {
      const ramped = (key: string) => now - (this.firstSeen.get(key) ?? now) >= RAMP_UP_MS;
      this.loss.add(current, previous, ramped, live);
    }
    const pairs = new Map<string, PairSummary>([...current].map(([k, o]) => [k, o.pair]));
    const previousPairs = new Map<string, PairSummary>([...previous].map(([k, o]) => [k, o.pair]));

    const reprobeMs = opts.reprobeIntervalMs ?? 300_000;
    // Before the first success: at once, then again after 15 s, 30 s (a failure retried, see startProbe).
    const firstTry =
      !this.capacity &&
      (this.probeFailures === 0 || Date.now() - this.probeStartedAt > this.probeSpacing() / 2);
    if (
      this.o.probe &&
      !this.probeFailed &&
      (firstTry || (this.capacity && Date.now() - this.capacity.at > reprobeMs))
    ) {
      this.startProbe();
    }
    let sample: BandwidthSample | null;
    if (this.capacity) {
      const evidence = congestionEvidence(current, previous);
      const found = linkSample(this.capacity.value, evidence, relayOnlyOf(pairs, this.o.forcedRelay));
      // One poll's evidence can be a congestion controller still ramping up: act on it when it persists. Our own
      // probe fills the link while it runs, so what the connections show then says nothing (the count waits).
      if (!this.probing) this.lowPolls = found.reprobe ? this.lowPolls + 1 : 0;
      const persisted = this.lowPolls >= (opts.lowEvidencePolls ?? 2);
      // The lowered uplink stands until a probe measures the link again: reporting the old capacity while that
      // probe runs, or after it failed (a link that just collapsed often fails it), would plan the call on a
      // link that is gone.
      if (persisted && found.lowered) {
        this.loweredUplinkKbps = Math.min(
          this.loweredUplinkKbps ?? Number.POSITIVE_INFINITY,
          found.sample.uplinkKbps,
        );
      }
      // What the link carries is a floor for its capacity: a probe below the call's own media was starved.
      const carried = sentKbps(pairs, previousPairs);
      const underMeasured =
        this.loweredUplinkKbps === null && carried > UNDER_MEASURED_RATIO * this.capacity.value.uplinkKbps;
      if (!this.probing) this.highPolls = underMeasured ? this.highPolls + 1 : 0;
      const starved = this.highPolls >= (opts.lowEvidencePolls ?? 2);
      sample = {
        ...this.capacity.value,
        uplinkKbps: starved
          ? carried
          : Math.min(this.capacity.value.uplinkKbps, this.loweredUplinkKbps ?? Number.POSITIVE_INFINITY),
        relayOnly: found.sample.relayOnly,
      };
      // The link carries less than it did: measure it again (with the call's media on it, as it is now), also
      // once the evidence is gone (the call now sends less), until a probe succeeds. Not more often than every
      // 15 s, doubling after each failed probe, since a probe fills the link and media stalls meanwhile.
      // A starved probe is measured again too, as sparingly.
      if (
        (persisted || this.loweredUplinkKbps !== null || starved) &&
        Date.now() - this.probeStartedAt > this.probeSpacing()
      ) {
        this.startProbe();
      }
    } else if (this.o.probe && !this.probeFailed) {
      return; // not measured yet: the server plans with "unknown"
    } else {
      sample = combineSamples(pairs, previousPairs, this.o.forcedRelay);
    }
    if (!sample) return;
    const lossPercent = this.loss.percent();
    if (lossPercent === undefined) delete sample.receiveLossPercent;
    else sample.receiveLossPercent = lossPercent;
    sample.uplinkKbps = clampKbps(sample.uplinkKbps);
    sample.downlinkKbps = clampKbps(sample.downlinkKbps);
    const collapsed = this.loweredUplinkKbps !== null && sample.uplinkKbps === this.loweredUplinkKbps;
    if (!shouldReport(this.lastReport, sample, Date.now(), throttle, collapsed)) return;
    this.report(sample);
  }

  /** Time between probes the evidence asks for: 15 s, doubling after each failed one (at most 8 times). */
  private probeSpacing(): number {
    return REPROBE_SPACING_MS * 2 ** Math.min(3, this.probeFailures);
  }

  private startProbe(): void {
    if (this.probing || !this.o.probe) return;
    this.probing = true;
    this.probeStartedAt = Date.now();
    this.o
      .probe()
      .then((value) => {
        this.capacity = { value, at: Date.now() };
        this.lowPolls = 0;
        this.highPolls = 0;
        this.loweredUplinkKbps = null;
        this.probeFailures = 0;
        if (this.o.waiting?.() && !this.lastReport) this.report(this.probedSample()!);
      })
      .catch((err: unknown) => {
        this.probeFailures++;
        // A server without the probe (or refusing it), or a link that failed it again and again before it ever
        // succeeded: fall back to the connections' estimates rather than never reporting. A probe that failed
        // once (a busy machine, a link still coming up) is tried again first.
        const refused = err instanceof LinkProbeError && !err.retryable;
        if (!this.capacity && (refused || this.probeFailures >= FIRST_PROBE_TRIES)) this.probeFailed = true;
      })
      .finally(() => {
        this.probing = false;
        this.probeEndedAt = Date.now();
      });
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

const sameSample = (a: BandwidthSample, b: BandwidthSample) =>
  a.uplinkKbps === b.uplinkKbps &&
  a.downlinkKbps === b.downlinkKbps &&
  a.relayOnly === b.relayOnly &&
  a.receiveLossPercent === b.receiveLossPercent;
