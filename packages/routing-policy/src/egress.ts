import type { Topology } from './types.ts';

/** Who is in the session, as far as platform cost is concerned. */
export interface EgressInput {
  participants: number;
  /** Participants whose media must cross our TURN relay. */
  relayOnly: number;
  bitrateKbps: number;
}

/**
 * Platform egress in kbit/s (what the SFU and TURN servers send out) for one session.
 * p2p: a full mesh; only streams to or from TURN-only peers cost us. tree: a TURN-only peer receives n-1
 * streams and sends one copy, so at most n edges each cross TURN (an upper bound: two TURN-only peers may share
 * an edge). sfu: every stream is forwarded to n-1 receivers.
 */
export function platformEgressKbps(topology: Topology, s: EgressInput): number {
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
