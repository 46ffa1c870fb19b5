import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { SOCKET_ENDS } from './close-codes.ts';
import { DeviceClass, Id, LossPercent } from './domain.ts';
import { Plan } from './plan.ts';
import { ClientMessage, Peer, ServerMessage } from './signaling.ts';

// Node-to-node messages of a cluster (docs/cluster.md), carried over Redis pub/sub. Every one is signed by the
// sender (HMAC with cluster.secret) and validated against these schemas on receipt, like a client's message:
// Redis is shared infrastructure, not a trusted peer.

const NodeId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const LinkId = Type.Integer({ minimum: 1 });
/** A lease's fence: grows with every change of owner; older fences are ignored. */
const Fence = Type.Integer({ minimum: 1 });
const Room = Id;

/** Where a socket lives: the node that holds it and its id there. */
export const SocketRef = Type.Object({ node: NodeId, linkId: LinkId });
export type SocketRef = Static<typeof SocketRef>;

/** A member's socket as a snapshot keeps it: enough for the next owner to reach it and know who is on it. */
export const SnapshotSocket = Type.Object({
  node: NodeId,
  linkId: LinkId,
  sessionId: Type.String({ minLength: 1, maxLength: 128 }),
  ip: Type.String({ maxLength: 64 }),
});
export type SnapshotSocket = Static<typeof SnapshotSocket>;

/** Owner → gateway: a message for one of its sockets. */
const Deliver = Type.Object({
  type: Type.Literal('deliver'),
  consultationId: Room,
  fence: Fence,
  linkId: LinkId,
  message: ServerMessage,
});

/** Owner → gateway: close one of its sockets. */
const Close = Type.Object({
  type: Type.Literal('close'),
  consultationId: Room,
  fence: Fence,
  linkId: LinkId,
  code: Type.Integer({ minimum: 1000, maximum: 4999 }),
  reason: Type.String({ maxLength: 123 }),
});

export const ClusterMessage = Type.Union([
  /** Gateway → owner: a client's validated message, in the socket's order. */
  Type.Object({
    type: Type.Literal('client-message'),
    consultationId: Room,
    from: SocketRef,
    sessionId: Type.String({ minLength: 1, maxLength: 128 }),
    ip: Type.String({ maxLength: 64 }),
    message: ClientMessage,
  }),
  /** Gateway → owner: the client's socket closed, and how (close-codes.ts, `SocketEnd`). */
  Type.Object({
    type: Type.Literal('socket-closed'),
    consultationId: Room,
    from: SocketRef,
    end: Type.Enum(SOCKET_ENDS),
  }),
  Deliver,
  Close,
  /** Owner → gateway: several of the above, in order (what queued while the previous publish was under way). */
  Type.Object({
    type: Type.Literal('deliveries'),
    messages: Type.Array(Type.Union([Deliver, Close]), { minItems: 1, maxItems: 200 }),
  }),
  /** Broadcast: these sessions ended (sign-out, revoke, …): every node closes their sockets with `code`. */
  Type.Object({
    type: Type.Literal('sessions-ended'),
    sessionIds: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 10000 }),
    code: Type.Integer({ minimum: 4000, maximum: 4999 }),
    reason: Type.String({ maxLength: 123 }),
  }),
  /** Broadcast: a node is shutting down; its sockets are gone (their members wait out the grace period). */
  Type.Object({ type: Type.Literal('node-leaving'), node: NodeId }),
  /** Any node → owner: a room operation that started from REST on another node (room-commands). */
  Type.Object({
    type: Type.Literal('room-command'),
    consultationId: Room,
    command: Type.Union([
      Type.Object({ op: Type.Literal('end') }),
      Type.Object({ op: Type.Literal('remove'), participantId: Id }),
      Type.Object({
        op: Type.Literal('admission'),
        decision: Type.Union([Type.Literal('ADMITTED'), Type.Literal('DENIED')]),
        participant: Type.Object({
          id: Id,
          displayName: Type.String({ maxLength: 200 }),
          role: Peer.properties.role,
          uplinkKbps: Type.Union([Type.Number(), Type.Null()]),
          downlinkKbps: Type.Union([Type.Number(), Type.Null()]),
          userId: Type.Union([Type.String(), Type.Null()]),
        }),
      }),
    ]),
  }),
]);
export type ClusterMessage = Static<typeof ClusterMessage>;

/** What goes on the wire (the signature covers its exact JSON text). */
export const ClusterEnvelope = Type.Object({
  from: NodeId,
  /** Date.now() at the sender: messages older than the bus's window are dropped as stale. */
  at: Type.Integer({ minimum: 0 }),
  /** Random, once per message: a message seen before is a replay and dropped. */
  nonce: Type.String({ minLength: 16, maxLength: 64, pattern: '^[0-9a-f]+$' }),
  body: ClusterMessage,
});
export type ClusterEnvelope = Static<typeof ClusterEnvelope>;

/** A room's durable state in Redis (room-store), written by its owner after every change. */
export const RoomSnapshot = Type.Object({
  consultationId: Room,
  fence: Fence,
  plan: Plan,
  recording: Type.Union([Type.Literal('off'), Type.Literal('requested'), Type.Literal('running')]),
  /**
   * The last SFU epoch a node used for the room: the next owner's SFU room is a later one, so clients drop the
   * dead node's transports instead of taking the new `sfu-session` for the one they hold.
   */
  sfuEpoch: Type.Optional(Type.Integer({ minimum: 0 })),
  members: Type.Array(
    Type.Object({
      participantId: Id,
      kind: Type.Union([Type.Literal('staff'), Type.Literal('guest')]),
      peer: Peer,
      relayOnly: Type.Boolean(),
      device: DeviceClass,
      /** Its last reported receive loss (BandwidthReport.receiveLossPercent), absent when unknown. */
      receiveLossPercent: Type.Optional(LossPercent),
      resumeTokenHash: Type.String(),
      /** The socket it is connected through, or null while it is disconnected (since `disconnectedAt`). */
      via: Type.Union([SnapshotSocket, Type.Null()]),
      disconnectedAt: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  lobby: Type.Array(Type.Object({ participantId: Id, peer: Peer, via: SnapshotSocket })),
});
export type RoomSnapshot = Static<typeof RoomSnapshot>;

const envelopeChecker = Compile(ClusterEnvelope);
const snapshotChecker = Compile(RoomSnapshot);

export const isClusterEnvelope = (v: unknown): v is ClusterEnvelope => envelopeChecker.Check(v);
export const isRoomSnapshot = (v: unknown): v is RoomSnapshot => snapshotChecker.Check(v);

export type ClusterMessageOf<T extends ClusterMessage['type']> = Extract<ClusterMessage, { type: T }>;
