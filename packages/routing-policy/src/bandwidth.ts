import { isTreeFeasible, type TreePeer } from '@consulta/streaming-tree';
import type { Participant, PolicyConfig, Reason } from './types.ts';

/** What the policy plans with for one participant: usable kbit/s after headroom, unknowns filled in. */
export interface Budget {
  id: string;
  upKbps: number;
  downKbps: number;
  known: boolean;
  relayOnly: boolean;
  canRelay: boolean;
}

export function budgets(participants: readonly Participant[], config: PolicyConfig): Budget[] {
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
      };
    });
}

/**
 * Peers that cannot send one stream and receive everyone else's at `kbps` (what any topology needs), with
 * their bandwidth shrunk by `scale` (< 1 when a change must clear the hysteresis margin).
 */
export function endpointShortfalls(all: readonly Budget[], kbps: number, scale: number): Reason[] {
  const receive = kbps * (all.length - 1);
  const out: Reason[] = [];
  for (const b of all) {
    if (b.upKbps * scale < kbps)
      out.push({ code: 'quality-limited', peerId: b.id, value: b.upKbps, limit: kbps });
    else if (b.downKbps * scale < receive) {
      out.push({ code: 'quality-limited', peerId: b.id, value: b.downKbps, limit: receive });
    }
  }
  return out;
}

/** Why trees cannot carry `kbps` for these peers; empty when the planner finds a placement. */
export function treeShortfalls(
  all: readonly Budget[],
  kbps: number,
  scale: number,
  config: PolicyConfig,
): Reason[] {
  const peers: TreePeer[] = all.map((b) => ({
    id: b.id,
    // A TURN-only peer sends a single copy: every further copy would be more relay egress for us.
    uplinkKbps: b.relayOnly ? Math.min(b.upKbps * scale, kbps) : b.upKbps * scale,
    relay: b.canRelay,
  }));
  if (isTreeFeasible(peers, kbps, { maxDepth: config.maxRelayHops })) return [];
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
