import type { MediaLinkKind, Plan } from '@consulta/protocol';

// Pure: which connections each member holds under a plan, as the server sees them. The media-path record opens a
// span for each (path "unknown" until the member's client reports it) and closes spans a new plan dropped.

export interface PlannedLink {
  participantId: string;
  link: MediaLinkKind;
  peerId: string | null;
  /** Tree links: the stream's sender. */
  streamOwnerId: string | null;
  /** Tree links: who relays the stream to the receiver, when not its sender. */
  relayedById: string | null;
}

/** Identity of a connection across plans: a span continues while its key stays planned. */
export const plannedKey = (
  l: Pick<PlannedLink, 'participantId' | 'link' | 'peerId' | 'streamOwnerId'>,
): string => `${l.participantId}|${l.link}|${l.peerId ?? ''}|${l.streamOwnerId ?? ''}`;

export function plannedLinks(plan: Plan, members: readonly string[]): PlannedLink[] {
  const present = new Set(members);
  const out: PlannedLink[] = [];
  if (plan.topology === 'p2p') {
    for (const a of members)
      for (const b of members)
        if (a !== b)
          out.push({ participantId: a, link: 'mesh', peerId: b, streamOwnerId: null, relayedById: null });
  } else if (plan.topology === 'tree') {
    for (const e of plan.edges) {
      if (e.parent === e.child || !present.has(e.parent) || !present.has(e.child)) continue;
      // In a tree a stream's id is its sender's participant id; a parent that is not the sender relays it.
      const relayedById = e.parent === e.streamId ? null : e.parent;
      out.push({
        participantId: e.child,
        link: 'recv',
        peerId: e.parent,
        streamOwnerId: e.streamId,
        relayedById,
      });
      out.push({
        participantId: e.parent,
        link: 'send',
        peerId: e.child,
        streamOwnerId: e.streamId,
        relayedById,
      });
    }
  } else {
    for (const m of members) {
      out.push({ participantId: m, link: 'sfu-send', peerId: null, streamOwnerId: null, relayedById: null });
      out.push({ participantId: m, link: 'sfu-recv', peerId: null, streamOwnerId: null, relayedById: null });
    }
  }
  const seen = new Set<string>();
  return out.filter((l) => {
    const k = plannedKey(l);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
