import type { PlanQuality, PlanReasonCode } from '@consulta/protocol';

/** How media flows: direct between two peers, through per-sender peer trees, or through the server's SFU. */
export type Topology = 'p2p' | 'tree' | 'sfu';

/** Stream quality levels, best first; their bitrates come from `PolicyConfig.qualityKbps`. */
export type Quality = PlanQuality;

/** Kind of device; only some classes are trusted to forward other participants' streams. */
export type DeviceClass = 'desktop' | 'laptop' | 'tablet' | 'mobile';

/** Role in the consultation as the server names it (e.g. 'CLINICIAN'); today's rules do not depend on it. */
export type ParticipantRole = string;

/** One participant as measured or reported by its client. */
export interface Participant {
  id: string;
  role: ParticipantRole;
  /** Measured or reported uplink in kbit/s; undefined when unknown. */
  uplinkKbps?: number;
  /** Measured or reported downlink in kbit/s; undefined when unknown. */
  downlinkKbps?: number;
  /** True when ICE only succeeds through TURN, so every byte it sends or receives crosses our relay. */
  relayOnly?: boolean;
  device: DeviceClass;
  /**
   * Share of the media it receives that is lost, percent, as its client measured it on the paths in use: on a
   * direct link the whole path from the other peer, from the SFU only its own downlink. Undefined when unknown.
   */
  receiveLossPercent?: number;
}

/** Recording state of the session. */
export type RecordingState = 'off' | 'requested' | 'running';

/** Snapshot of a session the policy decides on. */
export interface PolicyInput {
  participants: readonly Participant[];
  recording: RecordingState;
  /** Set when the tree planner could not place everyone (its operation returned `ok: false`). */
  treePlanningFailed?: boolean;
  /** false when the server has no working SFU: `sfu` is never chosen (default true). */
  sfuAvailable?: boolean;
  /**
   * Ids of the participants sharing a screen now: each screen is one more video every other participant
   * receives and its sharer sends (budgeted at `screenKbpsAt` of the quality). Absent: nobody shares.
   */
  screenSharers?: readonly string[];
  /**
   * Seconds since a decision last found that no tree fits these same participants (`foundNoTreeFit`; the caller
   * keeps the time). Undefined: never, or the participants changed since (a new situation: nothing to settle).
   */
  sinceNoTreeFitSeconds?: number;
  /** Full configuration; defaults to `defaultPolicyConfig`. */
  config?: PolicyConfig;
}

/** Thresholds that keep bandwidth noise from flapping the decision. */
export interface HysteresisConfig {
  /**
   * A better quality (or a switch into tree) must fit with this share of the usable bandwidth to spare, e.g.
   * 0.15: the need may use at most 85 % of it.
   */
  upgradeMargin: number;
  /** A switch between tree and sfu for cost alone needs the new one cheaper by this share, e.g. 0.25. */
  costMargin: number;
  /**
   * Once the SFU was chosen because no tree fit (on figures everyone had reported), a tree is tried again only
   * when none has failed to fit for this long, with the same people (reason `settling` meanwhile).
   */
  treeRetrySeconds: number;
}

/** One-way figures in ms, the slower of video and audio (bench/latency.bench.ts keeps the defaults current). */
export interface LatencyConfig {
  /** One-way budget for the deepest receiver of a tree (ITU-T G.114: 150 ms). */
  budgetMs: number;
  /** A direct peer-to-peer link (sender to receiver, no relay): glass-to-glass or mouth-to-ear, the slower. */
  directMs: number;
  /** What each relay hop adds (decode, jitter buffer, re-encode, pacing in the relaying browser). */
  perRelayHopMs: number;
}

/**
 * When a two-person call leaves its direct path for the SFU because that path loses media (see lossy-path.ts).
 * Losses are percent of the media packets the receivers count as lost.
 */
export interface LossyPathConfig {
  /** A direct path losing at least this much goes through the SFU. */
  enterPercent: number;
  /** Back to direct only once the two legs through the SFU lose less than this together. */
  exitPercent: number;
}

/** Every rule's knobs. */
export interface PolicyConfig {
  /** Bitrate of one stream at each quality level, kbit/s. */
  qualityKbps: Record<Quality, number>;
  /** Up to this many participants (and no recording) use direct p2p. */
  p2pMaxParticipants: number;
  /** Largest group for which trees are considered. */
  treeMaxParticipants: number;
  /** Recording (requested or running) forces the SFU, which records server-side. */
  recordingRequiresSfu: boolean;
  /** Longest path sender → receiver in a tree, in hops; every relay adds latency (see `latency`). */
  maxRelayHops: number;
  /** The one-way latency budget and the measured costs that turn it into a depth limit (latency.ts). */
  latency: LatencyConfig;
  /** Share of measured bandwidth the policy plans to use; the rest absorbs cross traffic. */
  bandwidthHeadroom: number;
  /** Assumed when a participant's uplink is unknown; such peers never relay. */
  unknownUplinkKbps: number;
  /** Assumed when a participant's downlink is unknown. */
  unknownDownlinkKbps: number;
  /** Device classes allowed to forward other participants' streams. */
  relayDevices: readonly DeviceClass[];
  hysteresis: HysteresisConfig;
  lossyPath: LossyPathConfig;
}

/** Machine-readable reason codes: the wire's union (packages/protocol); docs/routing.md explains them. */
export type ReasonCode = PlanReasonCode;

/** One reason with the peer and numbers it concerns (kbit/s unless the code says otherwise). */
export interface Reason {
  code: ReasonCode;
  peerId?: string;
  topology?: Topology;
  value?: number;
  limit?: number;
}

/** What the signaling server should run now. */
export interface PolicyDecision {
  topology: Topology;
  quality: Quality;
  /** Bitrate of one stream at `quality`. */
  bitrateKbps: number;
  reasons: Reason[];
  /** Estimated platform egress (SFU + TURN) in kbit/s for each topology considered, at `quality`. */
  egressKbps: Partial<Record<Topology, number>>;
}
