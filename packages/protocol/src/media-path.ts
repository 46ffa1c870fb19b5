import { type Static, Type } from 'typebox';
import { Id, Timestamp, Topology } from './domain.ts';

// The media-path record: what route each participant's audio and video took, span by span. Clients report the
// selected ICE candidate pair of each connection (`media-path`, signaling.ts); the server joins those reports to
// its plans and stores spans per consultation (docs/health-data.md).

export const IceCandidateType = Type.Enum(['host', 'srflx', 'prflx', 'relay'] as const);
export type IceCandidateType = Static<typeof IceCandidateType>;

export const IceProtocol = Type.Enum(['udp', 'tcp'] as const);
/** How the browser reaches the TURN server for a relay candidate. */
export const RelayProtocol = Type.Enum(['udp', 'tcp', 'tls'] as const);

/** A relay's transport address as a candidate states it: IPv4 or IPv6 literal and port. Nothing else is kept. */
export const RelayAddress = Type.String({ maxLength: 64, pattern: '^[0-9A-Fa-f.:]{2,45}:[0-9]{1,5}$' });

/**
 * One connection's selected candidate pair as getStats reports it. Only a relay candidate's address is kept
 * (it is our TURN server's); a host or reflexive address is the participant's own and is never sent.
 */
export const SelectedPair = Type.Object(
  {
    localType: IceCandidateType,
    remoteType: IceCandidateType,
    protocol: IceProtocol,
    relayProtocol: Type.Optional(RelayProtocol),
    relayAddress: Type.Optional(RelayAddress),
  },
  { additionalProperties: false },
);
export type SelectedPair = Static<typeof SelectedPair>;

/**
 * Which connection a report is about, as the client holds it: `mesh` (p2p, with `peerId`), a tree edge `send` or
 * `recv` (with `peerId` and the stream), or one of its SFU transports (`sfu-send`, `sfu-recv`; no peer).
 */
export const MediaLinkKind = Type.Enum(['mesh', 'send', 'recv', 'sfu-send', 'sfu-recv'] as const);
export type MediaLinkKind = Static<typeof MediaLinkKind>;

/** Where a span's media went, in words an auditor reads. `unknown`: the client never reported the connection. */
export const MediaPathKind = Type.Enum(['direct-host', 'direct-srflx', 'turn', 'unknown'] as const);
export type MediaPathKind = Static<typeof MediaPathKind>;

/** One participant's connection over a span of time, as stored and exported. */
export const MediaPathSpan = Type.Object({
  id: Id,
  participantId: Id,
  topology: Topology,
  link: MediaLinkKind,
  /** The other end: a participant for mesh and tree links, null for the SFU. */
  peerId: Type.Union([Id, Type.Null()]),
  /** Whose media the connection carries in a tree (the stream's sender); null for mesh and SFU links. */
  streamOwnerId: Type.Union([Id, Type.Null()]),
  /** In a tree, the participant who relayed this stream to the receiver (null when it came from its sender). */
  relayedById: Type.Union([Id, Type.Null()]),
  /** The SFU node (its announced address) for sfu-* links. */
  sfuNode: Type.Union([Type.String(), Type.Null()]),
  path: MediaPathKind,
  pair: Type.Union([SelectedPair, Type.Null()]),
  planVersion: Type.Integer({ minimum: 0 }),
  startedAt: Timestamp,
  /** When the client's report arrived (null: never reported, so `path` is `unknown`). */
  reportedAt: Type.Union([Timestamp, Type.Null()]),
  endedAt: Type.Union([Timestamp, Type.Null()]),
});
export type MediaPathSpan = Static<typeof MediaPathSpan>;

export const MediaPathList = Type.Object({ spans: Type.Array(MediaPathSpan) });
export type MediaPathList = Static<typeof MediaPathList>;

/** The path a selected pair means (the same rule on both sides: clients show it, the server stores it). */
export function pathOfPair(pair: SelectedPair | null): MediaPathKind {
  if (!pair) return 'unknown';
  if (pair.localType === 'relay' || pair.remoteType === 'relay') return 'turn';
  if (pair.localType === 'host' && pair.remoteType === 'host') return 'direct-host';
  return 'direct-srflx';
}
