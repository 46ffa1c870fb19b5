// Evidence that a tree relay is gone while its signaling socket still looks alive. A laptop lid shut or a phone
// out of coverage sends no close: the server would notice only when the heartbeat fails (15-30 s), then wait the
// relay loss window, while the relay's children receive nothing. Its neighbours in the tree notice within
// seconds (their connections to it go ICE-disconnected) and say so with `peer-unreachable`.

import type { Plan } from '@consulta/protocol';

/** Reports older than this belong to another outage. */
export const UNREACHABLE_REPORT_WINDOW_MS = 10_000;

/** Reports from this many different neighbours shed a relay whose socket still looks alive. */
export const NEIGHBOURS_TO_AGREE = 2;

/** The members with a tree edge to or from `relay`: the parents it receives from and the children it feeds. */
export function treeNeighbours(plan: Plan, relay: string): Set<string> {
  const out = new Set<string>();
  if (plan.topology !== 'tree') return out;
  for (const e of plan.edges) {
    if (e.parent === relay) out.add(e.child);
    if (e.child === relay) out.add(e.parent);
  }
  return out;
}

/**
 * Whether the reports about `relay` (reporter id -> Date.now() of its report) show it gone: neighbours that
 * agree within the window, or a single one when the relay's own signaling connection is gone as well. One
 * member alone cannot shed a relay that serves others: its own network may be what failed.
 */
export function reportsShowRelayGone(
  plan: Plan,
  relay: string,
  reports: ReadonlyMap<string, number>,
  now: number,
  socketGone: boolean,
): boolean {
  const neighbours = treeNeighbours(plan, relay);
  let agreeing = 0;
  for (const [reporter, at] of reports) {
    if (neighbours.has(reporter) && now - at <= UNREACHABLE_REPORT_WINDOW_MS) agreeing++;
  }
  if (agreeing === 0) return false;
  return socketGone || agreeing >= Math.min(NEIGHBOURS_TO_AGREE, neighbours.size);
}
