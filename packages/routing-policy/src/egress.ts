import type { Topology } from './types.ts';

/** Who is in the session, as far as platform cost is concerned. */
export interface EgressInput {
  participants: number;
  /** Participants whose media must cross our TURN relay. */
  relayOnly: number;
  bitrateKbps: number;
  /** Screens shared now, how many of them by TURN-only participants, and what one costs (default none). */
  screens?: { count: number; relayOnly: number; kbps: number };
}

/**
 * Platform egress in kbit/s (what the SFU and TURN servers send out) for one session.
 * p2p: a full mesh; only streams to or from TURN-only peers cost us. tree: a TURN-only peer receives n-1
 * streams and sends one copy, so at most n edges each cross TURN (an upper bound: two TURN-only peers may share
 * an edge). sfu: every stream is forwarded to n-1 receivers.
 */
export function platformEgressKbps(topology: Topology, s: EgressInput): number {
  return streamEgressKbps(topology, s) + screenEgressKbps(topology, s);
}

function streamEgressKbps(topology: Topology, s: EgressInput): number {
  const n = s.participants;
  const r = Math.min(s.relayOnly, n);
  if (n < 2) return 0;
  if (topology === 'sfu') return n * (n - 1) * s.bitrateKbps;
  if (topology === 'p2p') {
    // Directed streams with at least one TURN-only end: all minus those between two direct peers.
    return (n * (n - 1) - (n - r) * (n - r - 1)) * s.bitrateKbps;
  }
  return Math.min(n * (n - 1), r * n) * s.bitrateKbps;
}

/**
 * Shared screens, each a second video of its sharer to the n-1 others, the same way as its stream: sfu forwards
 * each to n-1 receivers; p2p pays the copies with a TURN-only end (all n-1 of a TURN-only sharer's, one per
 * TURN-only receiver of another's); a tree at most S per TURN-only peer (it receives the others' screens and
 * sends one copy of its own: S in all when it shares, S in when it does not).
 */
function screenEgressKbps(topology: Topology, s: EgressInput): number {
  const n = s.participants;
  const count = Math.min(s.screens?.count ?? 0, n);
  const kbps = s.screens?.kbps ?? 0;
  if (n < 2 || count === 0 || kbps === 0) return 0;
  const r = Math.min(s.relayOnly, n);
  const rs = Math.min(s.screens?.relayOnly ?? 0, count, r);
  if (topology === 'sfu') return count * (n - 1) * kbps;
  if (topology === 'p2p') return (rs * (n - 1) + (count - rs) * r) * kbps;
  return Math.min(count * (n - 1), r * count) * kbps;
}
