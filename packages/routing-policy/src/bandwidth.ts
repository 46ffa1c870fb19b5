import { isTreeFeasible, type TreePeer } from '@consulta/streaming-tree';
import { pathLatencyMs, treeDepthLimit } from './latency.ts';
import type { Participant, PolicyConfig, Reason } from './types.ts';

/** What the policy plans with for one participant: usable kbit/s after headroom, unknowns filled in. */
export interface Budget {
  id: string;
  upKbps: number;
  downKbps: number;
  known: boolean;
  relayOnly: boolean;
  canRelay: boolean;
  /** Shares a screen: sends one more video, which every other participant receives. */
  sharing: boolean;
}

export function budgets(
  participants: readonly Participant[],
  config: PolicyConfig,
  screenSharers: Iterable<string> = [],
): Budget[] {
  const sharers = new Set(screenSharers);
  return [...participants]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => {
      const known = p.uplinkKbps !== undefined;
      return {
        id: p.id,
        upKbps: (p.uplinkKbps ?? config.unknownUplinkKbps) * config.bandwidthHeadroom,
        downKbps: (p.downlinkKbps ?? config.unknownDownlinkKbps) * config.bandwidthHeadroom,
        known: known && p.downlinkKbps !== undefined,
        relayOnly: p.relayOnly === true,
        // Unknown uplinks, TURN-only peers and battery devices only ever send their own stream.
        canRelay: known && p.relayOnly !== true && config.relayDevices.includes(p.device),
        sharing: sharers.has(p.id),
      };
    });
}

/**
 * Peers that cannot receive everyone else's stream at `kbps` and every other sharer's screen at `screenKbps`
 * (what any topology needs), with their downlink shrunk by `scale` (< 1 when a change must clear the hysteresis
 * margin). These block the quality level.
 */
export function receiveShortfalls(
  all: readonly Budget[],
  kbps: number,
  scale: number,
  screenKbps = 0,
): Reason[] {
  return all.flatMap((b): Reason[] => {
    const receive = receiveKbps(all, kbps, screenKbps, b);
    return b.downKbps * scale < receive
      ? [{ code: 'quality-limited', peerId: b.id, value: b.downKbps, limit: receive }]
      : [];
  });
}

/**
 * What participant `self` needs to receive every other participant's stream at `kbps` and every screen shared by
 * someone else at `screenKbps` (without `self`: a participant who shares nothing).
 */
export function receiveKbps(all: readonly Budget[], kbps: number, screenKbps = 0, self?: Budget): number {
  const screens = all.filter((b) => b.sharing && b !== self).length;
  return kbps * (all.length - 1) + screenKbps * screens;
}

/**
 * Senders whose uplink cannot carry one stream at `kbps`. They do not hold the call's quality down (that would
 * put everyone on audio for one weak phone): each sends a single copy of its own stream, which its browser's
 * congestion control keeps within its uplink, so receivers get that sender at less than the call's quality.
 */
export function sendLimits(all: readonly Budget[], kbps: number, screenKbps = 0): Reason[] {
  return all.flatMap((b): Reason[] => {
    // A sharer sends its screen too (the browser's congestion control splits its uplink between the two).
    const send = kbps + (b.sharing ? screenKbps : 0);
    return b.upKbps < send ? [{ code: 'quality-limited', peerId: b.id, value: b.upKbps, limit: send }] : [];
  });
}

/**
 * What the tree planner is told of one participant at `kbps` per stream: its usable uplink (shrunk by `scale`
 * for hysteresis) and whether it relays. A TURN-only peer gets exactly one stream's worth, so it sends a single
 * copy of its own stream: every further copy would cross our relay (more egress than the policy estimated). So
 * does a sender whose uplink is below one stream: it is a leaf in every other tree.
 * The policy's feasibility check and the server's live planner both use this, so they cannot disagree.
 */
export function treePeerOf(b: Budget, kbps: number, scale = 1): TreePeer {
  const up = b.upKbps * scale;
  // A sender too weak for one stream at `kbps` still sends one copy (below the quality, see sendLimits).
  if (up < kbps) return { id: b.id, uplinkKbps: kbps, relay: false };
  return { id: b.id, uplinkKbps: b.relayOnly ? Math.min(up, kbps) : up, relay: b.canRelay };
}

/** The tree planner's peers for `participants` at `kbps` per stream (see treePeerOf), sorted by id. */
export function treePeers(
  participants: readonly Participant[],
  kbps: number,
  config: PolicyConfig,
): TreePeer[] {
  return budgets(participants, config).map((b) => treePeerOf(b, kbps));
}

/** Why trees cannot carry `kbps` for these peers; empty when the planner finds a placement. */
export function treeShortfalls(
  all: readonly Budget[],
  kbps: number,
  scale: number,
  config: PolicyConfig,
): Reason[] {
  const peers: TreePeer[] = all.map((b) => treePeerOf(b, kbps, scale));
  const maxDepth = treeDepthLimit(config);
  if (maxDepth >= 1 && isTreeFeasible(peers, kbps, { maxDepth })) return [];
  // Trees would fit if they could go deeper than the budget allows: the budget is the reason.
  // value = the estimated latency of the shallowest trees that would fit.
  for (let depth = Math.max(1, maxDepth + 1); depth <= config.maxRelayHops; depth++) {
    if (isTreeFeasible(peers, kbps, { maxDepth: depth })) {
      return [
        { code: 'latency-budget', value: pathLatencyMs(depth, config), limit: config.latency.budgetMs },
      ];
    }
  }
  const weak = peers.filter((p) => p.uplinkKbps < kbps);
  if (weak.length > 0) {
    return weak.map((p) => ({
      code: 'uplink-too-low-for-tree',
      peerId: p.id,
      value: p.uplinkKbps,
      limit: kbps,
    }));
  }
  const n = peers.length;
  const slots = peers.reduce((sum, p) => {
    const own = Math.floor(p.uplinkKbps / kbps);
    return sum + (p.relay ? own : Math.min(n - 1, own));
  }, 0);
  if (slots >= n * (n - 1)) return [{ code: 'tree-too-deep', limit: config.maxRelayHops }];
  return [{ code: 'relay-capacity-too-low', value: slots, limit: n * (n - 1) }];
}
