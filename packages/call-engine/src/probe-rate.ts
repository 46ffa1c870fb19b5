// The link probe's download arithmetic, kept pure so it is tested without a network. Several flows download in
// parallel and each arrives as chunks; the rate must be the link's, not the server's or the page's. Two things
// distort it: TCP's slow start (and a shaper's initial burst) at the beginning, and gaps where no flow is
// transferring at all (a busy server answering one request late, a page too busy to read). Timing from the first
// byte to the last counted those gaps as a slow link: on a loaded machine one late flow made a 100 Mbit/s link
// read 0.44 Mbit/s. So time only runs while some flow is open, and the first quarter of that time is skipped.

/** One flow's chunks: [arrival (ms), bytes in the chunk]. */
export type FlowChunks = ReadonlyArray<readonly [at: number, bytes: number]>;

/** Fewer bytes than this cannot be timed (the probe then fails rather than guess). */
export const MIN_BYTES = 64 * 1024;
/** A whole transfer shorter than this (a LAN, loopback) is timed without skipping its start. */
export const MIN_ACTIVE_MS = 100;

/**
 * Download rate in kbit/s over the active time of `flows` (the union of each flow's first-to-last chunk), the
 * first quarter of it skipped (unless it is all very short); null when too few bytes arrived to time. A flow's first chunk starts its
 * clock, so its bytes are not counted (they arrived before the clock ran).
 */
export function downloadKbps(flows: readonly FlowChunks[]): number | null {
  const intervals = flows
    .filter((f) => f.length > 0)
    .map((f) => [f[0]![0], f.at(-1)![0]] as const)
    .sort((a, b) => a[0] - b[0]);
  // Union of the active intervals, in time order.
  const union: Array<[number, number]> = [];
  for (const [from, to] of intervals) {
    const last = union.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else union.push([from, to]);
  }
  const active = union.reduce((sum, [from, to]) => sum + (to - from), 0);
  const total = flows.reduce((sum, f) => sum + f.slice(1).reduce((n, [, b]) => n + b, 0), 0);
  if (total < MIN_BYTES || active <= 0) return null;
  // Everything arrived almost at once: a fast link, whose rate this understates (slow start included).
  if (active < MIN_ACTIVE_MS) return Math.round((total * 8) / active);
  // The moment a quarter of the active time has run.
  let skip = active / 4;
  let cut = union[0]![0];
  for (const [from, to] of union) {
    if (to - from >= skip) {
      cut = from + skip;
      break;
    }
    skip -= to - from;
  }
  let counted = 0;
  for (const f of flows) {
    for (const [at, bytes] of f.slice(1)) if (at > cut) counted += bytes;
  }
  return Math.round((counted * 8) / ((active * 3) / 4));
}
