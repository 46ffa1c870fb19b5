/** A participant as the planner sees it: who it is and how much it can upload. */
export interface TreePeer {
  /** Unique peer id; it is also the id of the stream (tree) this peer sends. */
  id: string;
  /** Usable uplink in kbit/s. Fan-out capacity is `floor(uplinkKbps / bitrateKbps)` slots across all trees. */
  uplinkKbps: number;
  /**
   * Whether this peer may forward other senders' streams. Default true. Set false for peers that must not relay
   * (mobile devices, TURN-only peers); they still send their own stream and are leaves in every other tree.
   */
  relay?: boolean;
}

/** One directed media edge: `parent` forwards stream `streamId` (the sender's id) to `child`. */
export interface TreeEdge {
  streamId: string;
  parent: string;
  child: string;
}

/** Edge changes one operation asks the signaling server to make: connect `create`, then disconnect `remove`. */
export interface TreeDiff {
  create: TreeEdge[];
  remove: TreeEdge[];
}

/** A receiver that currently gets no copy of a stream because no parent had capacity for it. */
export interface UnplacedReceiver {
  streamId: string;
  peerId: string;
}

/** Why an operation could not be carried out in full. */
export type PlanFailure =
  /** Not enough upload slots (or none within the depth limit) to give every receiver a parent. */
  | 'capacity-exhausted'
  /** `join` with an id that is already in the session. */
  | 'duplicate-peer'
  /** `leave`/`updateUplink` with an id that is not in the session. */
  | 'unknown-peer';

/**
 * Outcome of a planner operation. When `ok` is false the planner never exceeds any capacity: a failed `join`
 * leaves the planner untouched; a failed `leave`/`updateUplink` applies what it could and lists in `unplaced`
 * the receivers left without a parent (a later `rebalance` retries them). Either way the policy should switch
 * the session to the SFU.
 */
export interface PlanResult {
  ok: boolean;
  diff: TreeDiff;
  unplaced: UnplacedReceiver[];
  failure?: PlanFailure;
}

/** Planner settings; `bitrateKbps` is the stream bitrate every tree carries. */
export interface PlannerOptions {
  bitrateKbps: number;
  /** Longest allowed path root → receiver in hops (each relay adds latency). Default: unlimited. */
  maxDepth?: number;
  /** Slots a peer needs before it forwards other streams (one goes to its own stream). Default 2. */
  minRelaySlots?: number;
}

/** Read-only view of one stream's tree. */
export interface TreeSnapshot {
  streamId: string;
  edges: TreeEdge[];
  /** Receivers in the tree that have no path from the sender (only after a failed operation). */
  unplaced: string[];
}
