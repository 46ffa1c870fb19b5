import { createTreePlanner } from './planner.ts';
import type { PlannerOptions, TreePeer } from './types.ts';

/**
 * Can every peer's stream reach every other peer at `bitrateKbps` without exceeding anyone's uplink?
 * Rejects at once when the total slots cannot cover n·(n-1) edges, otherwise builds the trees strongest peer
 * first. `true` is always backed by a real placement; `false` can in rare corner cases be pessimistic.
 */
export function isTreeFeasible(
  peers: readonly TreePeer[],
  bitrateKbps: number,
  options: Omit<PlannerOptions, 'bitrateKbps'> = {},
): boolean {
  const n = peers.length;
  if (n <= 1) return true;
  const minRelaySlots = options.minRelaySlots ?? 2;
  let slots = 0;
  for (const p of peers) {
    const own = Math.floor(Math.max(0, p.uplinkKbps) / bitrateKbps);
    if (own < 1) return false;
    const relays = (p.relay ?? true) && own >= minRelaySlots;
    // A non-relay peer only ever uploads its own stream; n-1 copies at most.
    slots += relays ? own : Math.min(own, n - 1);
  }
  if (slots < n * (n - 1)) return false;
  const planner = createTreePlanner({ ...options, bitrateKbps });
  const order = [...peers].sort(
    (a, b) =>
      Number(b.relay ?? true) - Number(a.relay ?? true) ||
      b.uplinkKbps - a.uplinkKbps ||
      (a.id < b.id ? -1 : 1),
  );
  return order.every((p) => planner.join(p).ok);
}
