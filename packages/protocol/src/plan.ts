import { type Static, Type } from 'typebox';
import { Id, Topology } from './domain.ts';

// How media flows in a room (the routing policy's decision as clients see it) and why. The reason codes are the
// routing policy's vocabulary; they are defined here, once, so the policy, the server and every UI that words
// them share one union: a code without a label is a type error.

export const PlanReasonCodes = [
  'alone',
  'two-party',
  'recording-requires-sfu',
  'group-too-large',
  'tree-planning-failed',
  'bandwidth-unknown',
  'quality-limited',
  'below-minimum-quality',
  'uplink-too-low-for-tree',
  'relay-capacity-too-low',
  'tree-too-deep',
  /** No tree fits within the one-way latency budget (value = estimated ms of the shallowest that fits, limit = budget). */
  'latency-budget',
  'tree-cheaper',
  'sfu-cheaper',
  'turn-relayed',
  'kept-previous',
  'sfu-unavailable',
  /** The SFU gives each receiver the simulcast layer its downlink carries: most get `value` kbit/s per stream
   * instead of the `limit` a tree (one encoding per stream for everyone) would hold them all to. */
  'per-receiver-quality',
  /** Diagnostics and the network-lab bench: the topology is set by configuration (`routing.forceTopology`). */
  'forced-by-config',
  /**
   * Two people whose direct path loses `value` % of the media (at least `limit`, the threshold that applied):
   * through the SFU each leg's losses are repaired over its own short round trip, and each receiver gets the
   * layer its link carries.
   */
  'lossy-path',
  /**
   * The SFU was chosen because no tree fit, on figures everyone had reported; a tree that fits again is tried
   * only once no plan has found a tree unfit for `limit` seconds, with the same people. Figures measured on a
   * busy link swing, and each move between a tree and the SFU rebuilds every connection.
   */
  'settling',
  /** `peerId` shares a screen: one more video each other participant receives, counted at `value` kbit/s. */
  'screen-share',
] as const;
export const PlanReasonCode = Type.Enum(PlanReasonCodes);
export type PlanReasonCode = Static<typeof PlanReasonCode>;

/** Stream quality levels, best first; their bitrates are the routing policy's configuration. */
export const PlanQualities = ['hd', 'sd', 'low', 'audio'] as const;
export const PlanQuality = Type.Enum(PlanQualities);
export type PlanQuality = Static<typeof PlanQuality>;

/** One reason, with the peer and figures it concerns (kbit/s unless the code says otherwise). */
export const PlanReason = Type.Object(
  {
    code: PlanReasonCode,
    peerId: Type.Optional(Id),
    topology: Type.Optional(Topology),
    value: Type.Optional(Type.Number()),
    limit: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type PlanReason = Static<typeof PlanReason>;

/** A stream edge of a streaming tree: `parent` forwards sender `streamId`'s media to `child`. */
export const TreeEdge = Type.Object({ streamId: Id, parent: Id, child: Id });
export type TreeEdge = Static<typeof TreeEdge>;

/** How media flows now. Versions only grow within a room, so a client can drop stale plans. */
export const Plan = Type.Object({
  version: Type.Integer({ minimum: 0 }),
  topology: Topology,
  quality: PlanQuality,
  reasons: Type.Array(PlanReason),
  /** Tree topology only: every edge of every sender's tree. */
  edges: Type.Array(TreeEdge),
});
export type Plan = Static<typeof Plan>;

/** A label for every reason code, checked by the compiler (for UIs: `satisfies ReasonLabels<string>`). */
export type ReasonLabels<T> = { readonly [K in PlanReasonCode]: T };
