// What the client's media connections carried while the link probe ran. The probe runs during the call, so the
// link it measures is already carrying the call's audio and video: a TCP transfer on a 1 Mbit/s DSL uplink that
// also carries 250 kbit/s of media reads at most 750 kbit/s (60-65 % in the lab, where the plan needs the link's
// capacity). The media's own rate over the same window is added back. Pure: the engine feeds it each
// connection's selected-pair byte counters (stats.ts) at the window's start and end.

/** Bytes a connection's selected pair has sent and received so far, by connection key. */
export type CarriedBytes = ReadonlyMap<string, { sent: number; received: number }>;

export interface CarriedRate {
  upKbps: number;
  downKbps: number;
}

/**
 * The media rate across `before` and `after` (a window of `ms`). A connection that appears only at the end (a
 * topology switch mid-probe opened it) counts whole, its counters having started at zero inside the window, as
 * does one whose counters went back (the key now names a new connection); one that closed meanwhile is not
 * counted at all, so the figure errs low.
 */
export function carriedRate(before: CarriedBytes, after: CarriedBytes, ms: number): CarriedRate {
  if (ms <= 0) return { upKbps: 0, downKbps: 0 };
  let sent = 0;
  let received = 0;
  for (const [key, end] of after) {
    const start = before.get(key);
    const fresh = !start || end.sent < start.sent || end.received < start.received;
    sent += fresh ? end.sent : end.sent - start.sent;
    received += fresh ? end.received : end.received - start.received;
  }
  return { upKbps: Math.round((sent * 8) / ms), downKbps: Math.round((received * 8) / ms) };
}
