// Which received track stands for a remote sender's shared screen (pure: unit-tested under node).
//
// A tree link carries its screen transceiver from the start, shared or not (docs/screen-share.md), so the receiving
// side gets a screen track as soon as the link is negotiated: idle while the sender shares nothing, and after Stop
// sharing it simply stops receiving (no event says so). Taken for the sender's screen regardless, every relay
// forwarded that idle track, hinted 'detail', on its own sender, and went on forwarding it after the share stopped.
// So a tree slot's track counts only while its sender declares `screenSharing`. Mesh and SFU screen tracks exist
// only while a screen is shared (an inactive transceiver, a closed producer) and count as they arrive.

export interface ScreenCandidate<T> {
  /** The peer the track arrives from (the sender itself, a relaying parent, or the SFU's sender id). */
  via: string;
  /** It arrives on a tree link's screen slot, which exists whether or not the sender shares. */
  treeSlot: boolean;
  track: T;
  /** Still receiving: not ended, not the track just taken away. */
  live: boolean;
}

/** Whether a screen track that arrives this way may stand for the sender's screen now. */
export function screenCounts(treeSlot: boolean, declared: boolean): boolean {
  return declared || !treeSlot;
}

/**
 * The candidate that should stand for the sender's screen, or null for none: the current track while it still
 * counts (no needless swap), else the first one that counts. `declared`: the sender says it shares.
 */
export function chooseScreen<T>(
  declared: boolean,
  current: T | null,
  candidates: readonly ScreenCandidate<T>[],
): ScreenCandidate<T> | null {
  const usable = candidates.filter((c) => c.live && screenCounts(c.treeSlot, declared));
  return usable.find((c) => c.track === current) ?? usable[0] ?? null;
}
