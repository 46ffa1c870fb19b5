// Pure link planning: which peer connections this peer should hold for a plan, and how to get there from the
// connections it holds now. No DOM, no I/O: unit-tested under node.
import type { Plan } from '@consulta/protocol';

/**
 * One peer connection as this peer sees it.
 * - `mesh`: the p2p topology's single two-way connection with `remote` (both send their own media).
 * - `send`: a tree edge where this peer is the parent: it sends stream `streamId` (its own, or one it relays).
 * - `recv`: a tree edge where this peer is the child: it receives stream `streamId` from `remote`.
 */
export type LinkRole = 'mesh' | 'send' | 'recv';

export interface LinkSpec {
  role: LinkRole;
  remote: string;
  /** For tree links the sender's stream; for mesh links {@link meshStreamId} of the pair. */
  streamId: string;
}

/** Map key of a link; unique per (role, remote, stream). */
export const linkKey = (l: Pick<LinkSpec, 'role' | 'remote' | 'streamId'>): string =>
  `${l.role}|${l.remote}|${l.streamId}`;

/**
 * Perfect negotiation: exactly one side of a pair is polite (yields on offer glare). Both sides compute it from
 * the two ids, so they always agree: the peer with the smaller id is polite.
 */
export function isPolite(selfId: string, remoteId: string): boolean {
  if (selfId === remoteId) throw new Error('a peer has no connection to itself');
  return selfId < remoteId;
}

/**
 * The `streamId` a mesh (p2p) connection uses on the wire. A mesh connection carries both peers' media, so it
 * is named after the unordered pair; the `p2p-` prefix and the hash keep it apart from tree links, which use the
 * sender's participant id, so both kinds can coexist while a room moves between topologies (make before break).
 */
export function meshStreamId(a: string, b: string): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  const text = `${x}\u0000${y}`;
  // Two FNV-1a 32-bit hashes with different offsets: 64 bits, plenty for the few pairs in one room.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 15);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return `p2p-${hex(h1)}${hex(h2)}`;
}

/**
 * The links this peer should hold under `plan`, given the ids of the other peers in the room.
 * - `p2p`: one mesh link per other peer.
 * - `tree`: one `recv` link per edge whose child is this peer, one `send` link per edge whose parent it is.
 * - `sfu`: none here (the SFU path is not part of this engine yet).
 */
export function desiredLinks(plan: Plan, selfId: string, peerIds: Iterable<string>): LinkSpec[] {
  const out: LinkSpec[] = [];
  if (plan.topology === 'p2p') {
    for (const remote of new Set(peerIds)) {
      if (remote !== selfId) out.push({ role: 'mesh', remote, streamId: meshStreamId(selfId, remote) });
    }
  } else if (plan.topology === 'tree') {
    const present = new Set(peerIds);
    for (const e of plan.edges) {
      if (e.parent === e.child) continue;
      if (e.child === selfId && present.has(e.parent)) {
        out.push({ role: 'recv', remote: e.parent, streamId: e.streamId });
      } else if (e.parent === selfId && present.has(e.child)) {
        out.push({ role: 'send', remote: e.child, streamId: e.streamId });
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((l) => {
    const k = linkKey(l);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export interface LinkDiff {
  /** Links to bring up, in plan order. */
  connect: LinkSpec[];
  /** Keys of links to close once the new ones are up (make before break). */
  disconnect: string[];
  /** Keys of links that stay as they are. */
  keep: string[];
}

/** What to change to go from the links held (`current` keys) to `desired`. */
export function diffLinks(current: Iterable<string>, desired: readonly LinkSpec[]): LinkDiff {
  const want = new Map(desired.map((l) => [linkKey(l), l]));
  const have = new Set(current);
  const connect = [...want].filter(([k]) => !have.has(k)).map(([, l]) => l);
  const disconnect = [...have].filter((k) => !want.has(k));
  const keep = [...have].filter((k) => want.has(k));
  return { connect, disconnect, keep };
}

/**
 * Which local link an incoming `signal` belongs to. Tree links are named after the stream: if the remote is
 * sending us stream S we are its child (`recv`), if the stream is ours or one we relay to the remote, `send`.
 * Ambiguity (we both send and receive S with the same remote) cannot happen in a valid tree, but for safety the
 * existing link wins: `existing` tells which keys are held.
 */
export function linkForSignal(
  selfId: string,
  from: string,
  streamId: string,
  existing: ReadonlySet<string>,
): LinkSpec {
  if (streamId === meshStreamId(selfId, from)) return { role: 'mesh', remote: from, streamId };
  const send: LinkSpec = { role: 'send', remote: from, streamId };
  const recv: LinkSpec = { role: 'recv', remote: from, streamId };
  if (existing.has(linkKey(send))) return send;
  if (existing.has(linkKey(recv))) return recv;
  // Unknown link: the parent initiates, so a stranger's signal means it is (about to be) our parent.
  return streamId === selfId ? send : recv;
}

/**
 * Whether `plan` wants the link `spec`. An offer that opens a link the plan in force does not want was made for
 * another plan: an older one (a newcomer's first plan, sent before the one its arrival brings) or, in a cluster,
 * a newer one whose broadcast is still on its way.
 */
export function isPlanned(plan: Plan, selfId: string, peerIds: Iterable<string>, spec: LinkSpec): boolean {
  const key = linkKey(spec);
  return desiredLinks(plan, selfId, peerIds).some((l) => linkKey(l) === key);
}

/** True when `next` should replace `current` (plans only move forward). */
export function isNewerPlan(current: Plan | null, next: Plan): boolean {
  return current === null || next.version > current.version;
}

// Make before break across a relay's announced leave (the handover): tree links that carry other senders'
// streams through the relay outlive its leave for a moment, so that nobody below it loses a stream before its
// new parent delivers. Mesh links and the leaver's own stream end at once: that media ended with the leave.

/**
 * At the relay that leaves: the copies of others' streams it forwards (`send` of a stream not its own) and the
 * `recv` links feeding them.
 */
export function handedOverByLeaver(links: readonly LinkSpec[], selfId: string): LinkSpec[] {
  const forwarded = new Set(
    links.filter((l) => l.role === 'send' && l.streamId !== selfId).map((l) => l.streamId),
  );
  return links.filter((l) => forwarded.has(l.streamId) && (l.role === 'send' || l.role === 'recv'));
}

/**
 * At a peer that stays, whether its link with `leaver` outlives the leave: what it receives through the relay
 * (`recv` of another's stream; closed once the new parent's link is up) and what it sends the relay to forward
 * (`send` of any stream but the leaver's; closed when the handover ends).
 */
export function outlivesLeave(spec: LinkSpec, leaver: string): boolean {
  return spec.remote === leaver && spec.role !== 'mesh' && spec.streamId !== leaver;
}

/**
 * True when the plan a `joined` carries should replace `current`: whenever it differs, older or not. A `plan`
 * message only moves forward (isNewerPlan), but `joined` carries the room's own plan, and in a cluster that can be
 * behind ours (docs/cluster.md): the node that ran the room sends each plan to its own sockets at once and stores
 * it in Redis just after, so a node killed in between (or during a Redis outage) leaves its clients holding a
 * version that the node taking the room over never had. The room goes on from what was stored, and its next plan
 * reuses the lost one's version. Keeping ours would leave us alone on a plan nobody else follows, ignoring the
 * room's plans until one overtook it (a browser test showed the clinician's page stuck on the dead node's plan).
 */
export function takesJoinedPlan(current: Plan | null, joined: Plan): boolean {
  return current === null || JSON.stringify(current) !== JSON.stringify(joined);
}
