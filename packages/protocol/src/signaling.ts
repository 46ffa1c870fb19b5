import { type Static, type TSchema, Type } from 'typebox';
import { DeviceClass, DisplayName, Id, Kbps, LossPercent, ParticipantRole, Timestamp } from './domain.ts';
import { ErrorCodeSchema } from './errors.ts';
import { StorableFormat } from './formats.ts';
import { MediaLinkKind, SelectedPair } from './media-path.ts';
import { Plan } from './plan.ts';
import { ReceiveLatencyReport } from './receive-latency.ts';
import { Recording } from './recording.ts';
import {
  MediaKind,
  MediasoupObject,
  RequestId,
  SfuConsumerOptions,
  SfuTransportOptions,
  TrackSource,
  TransportDirection,
} from './sfu.ts';

// The signaling WebSocket's messages, both directions, as tagged unions on `type`. Names live only here.

const message = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...props }, { additionalProperties: false });

/**
 * What a member is sending, as they declare it: muted microphone, camera off, a shared screen. Others show it on
 * the member's tile; a muted kind is not sent at all (no silence or black frames to rely on).
 */
export const MediaState = Type.Object(
  {
    audioMuted: Type.Boolean(),
    videoMuted: Type.Boolean(),
    screenSharing: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type MediaState = Static<typeof MediaState>;

/** A person in the room as others see them. `id` is their participant id. */
export const Peer = Type.Object({
  id: Id,
  displayName: DisplayName,
  role: ParticipantRole,
  uplinkKbps: Type.Union([Kbps, Type.Null()]),
  downlinkKbps: Type.Union([Kbps, Type.Null()]),
  /** False while the peer is inside its reconnect grace period. */
  connected: Type.Boolean(),
  /** Absent until the member first reports it (`media-state`). */
  media: Type.Optional(MediaState),
});
export type Peer = Static<typeof Peer>;

export const SessionDescription = Type.Object(
  {
    type: Type.Union([
      Type.Literal('offer'),
      Type.Literal('answer'),
      Type.Literal('pranswer'),
      Type.Literal('rollback'),
    ]),
    sdp: Type.String({ maxLength: 60_000 }),
  },
  { additionalProperties: false },
);

export const IceCandidate = Type.Object(
  {
    candidate: Type.String({ maxLength: 1000 }),
    sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1000 }), Type.Null()])),
    usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  },
  { additionalProperties: false },
);

/** What one peer sends another through the server: an SDP description or a trickled ICE candidate (null ends). */
export const SignalData = Type.Union([
  Type.Object(
    { kind: Type.Literal('description'), description: SessionDescription },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('candidate'), candidate: Type.Union([IceCandidate, Type.Null()]) },
    { additionalProperties: false },
  ),
]);
export type SignalData = Static<typeof SignalData>;

// ---- client -> server ----------------------------------------------------------------------------------------

/** A measured link, as `bandwidth` carries it and `join` may carry it too. */
export const BandwidthReport = Type.Object(
  {
    uplinkKbps: Kbps,
    downlinkKbps: Kbps,
    relayOnly: Type.Optional(Type.Boolean()),
    device: Type.Optional(DeviceClass),
    /**
     * Share of the media packets this client received over the last ~10 s that never arrived (inbound-rtp
     * packetsLost), in percent. On a direct connection it is the whole path from the sender (their uplink and our
     * downlink); from the SFU, mostly our own downlink (plus what the SFU could not repair in time of the
     * sender's). Absent: too little media arrived to tell.
     */
    receiveLossPercent: Type.Optional(LossPercent),
  },
  { additionalProperties: false },
);
export type BandwidthReport = Static<typeof BandwidthReport>;

export const ClientMessage = Type.Union([
  /**
   * Enter a consultation's room. With `resumeToken` from an earlier `joined`, resume that place instead. With
   * `bandwidth` (what the client already measured), the plan made for the newcomer uses it at once: one plan per
   * join instead of one without the newcomer's figures and a second when its first `bandwidth` follows.
   */
  message('join', {
    consultationId: Id,
    resumeToken: Type.Optional(Type.String({ maxLength: 128 })),
    bandwidth: Type.Optional(BandwidthReport),
  }),
  /** Relay to a peer of the same room; `streamId` names the sender's stream (BBVoice's treeId). */
  message('signal', { to: Id, streamId: Id, data: SignalData }),
  /**
   * The sender's measured bandwidth, fed to the routing policy and tree planner. A guest in the waiting room may
   * send it too: it is kept for the plan made when they are admitted.
   */
  message('bandwidth', BandwidthReport.properties),
  /** The sender's own media state (mute, camera off, screen share); others get it as `peer-updated`. */
  message('media-state', { media: MediaState }),
  /** Every few seconds while media flows: the measured receive latency of each incoming stream. */
  message('receive-latency', { streams: ReceiveLatencyReport }),
  message('ping', { t: Type.Number() }),
  /**
   * A chat line. `id` (chosen by the sender, unique per sender) comes back in the echo: a client resends lines it
   * has no echo for after a resume, and receivers drop a repeated id.
   */
  message('chat', {
    text: Type.String({ minLength: 1, maxLength: 2000, format: StorableFormat.Text }),
    id: Type.Optional(Id),
  }),
  /** Staff only: let a waiting guest in, or turn them away. */
  message('admit', { participantId: Id }),
  message('deny', { participantId: Id }),
  /** Clean leave: others see it at once, no grace period. */
  message('leave', {}),
  /** Answer to a recording's consent request; also required of anyone joining while a recording runs. */
  message('recording-consent', { recordingId: Id, granted: Type.Boolean() }),
  /**
   * Withdraw the sender's consent to the running recording: their tracks stop being recorded at once, the rest
   * goes on, and everyone gets the `recording` state with the withdrawal (`withdrawnAt`). No re-consent during
   * that recording. Errors: NOT_RECORDING, NO_CONSENT_TO_WITHDRAW.
   */
  message('recording-withdraw-consent', { recordingId: Id }),

  /**
   * The selected ICE candidate pair of one of the client's connections, sent when it changes (null: the
   * connection closed or has no pair). Kept in the consultation's media-path record (media-path.ts).
   */
  message('media-path', {
    link: MediaLinkKind,
    peerId: Type.Union([Id, Type.Null()]),
    streamId: Type.Union([Id, Type.Null()]),
    pair: Type.Union([SelectedPair, Type.Null()]),
  }),

  // SFU (only while the plan's topology is 'sfu' or the room's SFU is in standby, or after it, until
  // `sfu-close`). Replies carry `requestId`.
  /** Create this client's send or receive WebRTC transport on the room's router. Reply: `sfu-transport`. */
  message('sfu-transport-create', { requestId: RequestId, direction: TransportDirection }),
  /** Finish a transport's DTLS set-up (mediasoup-client's `connect` event). Reply: `sfu-done`. */
  message('sfu-transport-connect', {
    requestId: RequestId,
    transportId: Id,
    dtlsParameters: MediasoupObject,
  }),
  /** Send a local track (mediasoup-client's `produce` event). Reply: `sfu-produced`. */
  message('sfu-produce', {
    requestId: RequestId,
    transportId: Id,
    kind: MediaKind,
    /** A shared screen (video only, roles in `mayShareScreen`); absent: the camera or microphone. */
    source: Type.Optional(TrackSource),
    rtpParameters: MediasoupObject,
  }),
  /** The receive transport exists: consume every producer in the room now and as they appear (`sfu-consume`). */
  message('sfu-ready', { rtpCapabilities: MediasoupObject }),
  /** The client has created the consumer the server announced; start its media. */
  message('sfu-consumer-resume', { consumerId: Id }),
  /**
   * How a remote tile is shown, so the server can pick its simulcast layer (with the receiver's bandwidth) or
   * stop sending it: `width` in CSS pixels, 0 or `visible: false` pauses.
   */
  message('sfu-consumer-preference', {
    consumerId: Id,
    visible: Type.Boolean(),
    width: Type.Integer({ minimum: 0, maximum: 10_000 }),
  }),
  /** Mute/unmute or camera off/on of one of the client's own producers. */
  message('sfu-producer-pause', { producerId: Id, paused: Type.Boolean() }),
  /** Stop sending one of the client's own producers (a screen share ended). Reply: `sfu-done`. */
  message('sfu-producer-close', { requestId: RequestId, producerId: Id }),
  /** The client no longer needs its SFU transports (after migrating to p2p/tree, or leaving the SFU path). */
  message('sfu-close', {}),
]);
export type ClientMessage = Static<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];

// ---- server -> client ----------------------------------------------------------------------------------------

export const ServerMessage = Type.Union([
  message('joined', {
    consultationId: Id,
    self: Peer,
    peers: Type.Array(Peer),
    plan: Plan,
    resumeToken: Type.String(),
    resumed: Type.Boolean(),
    /** Waiting guests, sent to staff only. */
    lobby: Type.Array(Peer),
  }),
  /** A guest is in the waiting room until staff admit them. */
  message('waiting', { consultationId: Id }),
  message('denied', { consultationId: Id }),
  message('peer-joined', { peer: Peer }),
  message('peer-updated', { peer: Peer }),
  /**
   * A member's signaling connection was replaced: it reconnected and resumed its place. Whatever it sent just
   * before the old connection died may be lost, an answer to our offer included: send an unanswered offer to it
   * again.
   */
  message('peer-resumed', { peer: Peer }),
  message('peer-left', {
    peerId: Id,
    reason: Type.Union([Type.Literal('left'), Type.Literal('timeout'), Type.Literal('removed')]),
  }),
  /** Staff only: the waiting room changed. */
  message('lobby', { waiting: Type.Array(Peer) }),
  message('signal', { from: Id, to: Id, streamId: Id, data: SignalData }),
  message('plan', { plan: Plan }),
  message('pong', { t: Type.Number(), serverTime: Type.Number() }),
  message('chat', { from: Id, text: Type.String(), at: Timestamp, id: Type.Optional(Id) }),
  message('consultation-ended', { consultationId: Id }),
  /**
   * A recording's state changed (requested, consent given, declined or withdrawn, started, stopped). Sent on join
   * too.
   */
  message('recording', { recording: Recording }),

  // SFU
  /**
   * The room's media runs (or is about to run) through the SFU: load a mediasoup-client Device with these
   * capabilities and create transports. A new `epoch` (the worker was replaced) means: drop every SFU transport
   * and start again. `standby`: the room is not on the SFU yet but may move there soon (a guest waits whose
   * admission the policy foresees taking the call there): build the transports and producers now, but send
   * nothing (producers carry no track) until the same epoch comes again without `standby`; the server keeps
   * every consumer paused meanwhile.
   */
  message('sfu-session', {
    epoch: Type.Integer({ minimum: 0 }),
    routerRtpCapabilities: MediasoupObject,
    standby: Type.Optional(Type.Boolean()),
  }),
  /** The warning passed (the guest was denied or left): close this epoch's standby session; nothing to send. */
  message('sfu-standby-end', { epoch: Type.Integer({ minimum: 0 }) }),
  message('sfu-transport', {
    requestId: RequestId,
    direction: TransportDirection,
    transport: SfuTransportOptions,
  }),
  message('sfu-produced', { requestId: RequestId, producerId: Id }),
  /** A request that needs no data back succeeded. */
  message('sfu-done', { requestId: RequestId }),
  /** Create a consumer (it starts paused on the server; answer with `sfu-consumer-resume`). */
  message('sfu-consume', { consumer: SfuConsumerOptions }),
  message('sfu-consumer-closed', { consumerId: Id }),
  /** The producer behind a consumer was paused or resumed by its owner (muted, camera off). */
  message('sfu-consumer-paused', { consumerId: Id, paused: Type.Boolean() }),
  /** The loudest participant now (null: silence), from the router's active-speaker observer. */
  message('active-speaker', { peerId: Type.Union([Id, Type.Null()]) }),
  /** Reply to a message that could not be handled; the connection stays open. */
  message('error', {
    code: ErrorCodeSchema,
    message: Type.String(),
    /** `type` of the offending message when it could be read. */
    ref: Type.Optional(Type.String({ maxLength: 64 })),
    /** `requestId` of the offending request, when it had one. */
    requestId: Type.Optional(RequestId),
  }),
]);
export type ServerMessage = Static<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
