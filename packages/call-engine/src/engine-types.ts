// The engine's public vocabulary: states, errors, events and options. The CallEngine class implements them.
import type { DeviceClass, ErrorCode, Peer, Plan, Recording } from '@consulta/protocol';
import type { BandwidthPolling } from './bandwidth-reporter.ts';
import type { ChatLine } from './chat-outbox.ts';
import type { LinkSpec } from './links.ts';
import type { MediaKind } from './peer-link.ts';
import type { BandwidthSample } from './stats.ts';

export type EngineState =
  | 'idle'
  | 'connecting'
  | 'waiting'
  | 'joined'
  | 'reconnecting'
  | 'denied'
  | 'ended'
  | 'closed';

/** Errors the engine itself raises, next to the server's {@link ErrorCode}s. */
export type EngineErrorCode =
  | 'TURN_CREDENTIALS_FAILED'
  | 'NEGOTIATION_FAILED'
  | 'ICE_FAILED'
  | 'SIGNALING_CLOSED'
  | 'INVALID_SERVER_MESSAGE';

export interface EngineError {
  code: EngineErrorCode | ErrorCode;
  message: string;
  /** The peer connection concerned, when there is one. */
  peerId?: string;
  streamId?: string;
  /** Server errors: `type` of the message the server refused. */
  ref?: string;
}

export interface RemoteTrackEvent {
  /** The peer the media arrives from (the sender itself, or in a tree the parent relaying it). */
  peerId: string;
  /** Whose media it is: the sending participant's id. */
  streamId: string;
  track: MediaStreamTrack;
  /** One stable MediaStream per sender; tracks are swapped in when the media arrives through a new parent. */
  stream: MediaStream;
}

export interface ConnectionStateEvent {
  peerId: string;
  streamId: string;
  role: LinkSpec['role'];
  state: RTCPeerConnectionState;
}

/** An offer/answer exchange completed on a peer connection; `count` 1 is its first, later ones renegotiate it. */
export interface NegotiationEvent {
  peerId: string;
  streamId: string;
  role: LinkSpec['role'];
  count: number;
}

export interface CallEngineEvents {
  state: (state: EngineState) => void;
  joined: (info: { self: Peer; peers: Peer[]; resumed: boolean }) => void;
  /** Staff: the waiting room changed. */
  lobby: (waiting: Peer[]) => void;
  'peer-joined': (peer: Peer) => void;
  'peer-updated': (peer: Peer) => void;
  'peer-left': (info: { peerId: string; reason: 'left' | 'timeout' | 'removed' }) => void;
  track: (event: RemoteTrackEvent) => void;
  /** No connection delivers this sender's media any more. */
  'stream-removed': (info: { streamId: string }) => void;
  /**
   * A sender's shared screen arrived (one stable stream per sender, like `track`). Show it while the sender's
   * declared media state says `screenSharing` (a tree keeps an idle screen track between shares).
   */
  screen: (event: RemoteTrackEvent) => void;
  /** No connection delivers this sender's screen any more. */
  'screen-removed': (info: { streamId: string }) => void;
  /** Our own screen share ended (the browser's "Stop sharing", or `shareScreen(null)`). */
  'local-screen': (track: MediaStreamTrack | null) => void;
  plan: (plan: Plan) => void;
  'connection-state': (event: ConnectionStateEvent) => void;
  /** Diagnostics: each completed offer/answer exchange (tests hold a switch of path to few renegotiations). */
  negotiation: (event: NegotiationEvent) => void;
  /** A bandwidth measurement was sent to the server. */
  bandwidth: (sample: BandwidthSample) => void;
  chat: (message: { from: string; text: string; at: string }) => void;
  /** The lines this page posted that the room has not echoed yet, whenever that list changes. */
  'chat-outbox': (waiting: ChatLine[]) => void;
  /** A recording of this consultation changed state; answer consent requests with `answerRecordingConsent`. */
  recording: (recording: Recording) => void;
  /** The loudest participant (SFU topology only; null when nobody speaks). */
  'active-speaker': (peerId: string | null) => void;
  /** A remote sender paused or resumed a track (muted, camera off); SFU topology. */
  'media-paused': (info: { peerId: string; kind: MediaKind; paused: boolean }) => void;
  /** The SFU session's progress: `up` once its transports exist, `closed` after migrating off or a restart. */
  sfu: (info: { state: 'starting' | 'standby' | 'up' | 'closed'; epoch: number }) => void;
  error: (error: EngineError) => void;
}

export interface CallEngineOptions {
  consultationId: string;
  /** http(s) origin of the Consulta server; default `location.origin`. */
  serverUrl?: string;
  /** Signaling URL; default serverUrl with ws(s):// and `/ws`. */
  signalingUrl?: string;
  /** 'relay' forces every connection through TURN (diagnostics, restrictive networks). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Extra ICE servers used in addition to (or, without a server, instead of) the server's. */
  iceServers?: RTCIceServer[];
  /** Skip GET /api/turn/credentials (use only `iceServers`). */
  skipTurnCredentials?: boolean;
  localStream?: MediaStream | null;
  device?: DeviceClass;
  /** Stats polling for bandwidth reports; false disables reporting. */
  bandwidth?: BandwidthPolling;
  /** How often to send the measured receive latency (`receive-latency`), ms (default 5000); false: never. */
  latencyReportIntervalMs?: number | false;
  /** false: never probe the link against the server (reports then come from the connections' estimates). */
  linkProbe?: false;
  /**
   * Report these figures (on every join) instead of measuring: for tests and for clients that know their link
   * (e.g. from a speed test). Stats polling for reports is off while set.
   */
  fixedBandwidth?: { uplinkKbps: number; downlinkKbps: number; relayOnly?: boolean };
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  pingIntervalMs?: number;
  /** Make before break: how long to wait for new connections before closing replaced ones (default 8000). */
  makeBeforeBreakTimeoutMs?: number;
  /**
   * How long tree links carrying others' streams through a relay outlive its announced leave (default 3000 ms),
   * so its children keep the streams until their new parents deliver (links.ts handedOverByLeaver).
   */
  leaveHandoverMs?: number;
  /** Delay between a membership change and connecting, for the plan that may follow (default 50 ms). */
  membershipSettleMs?: number;
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  RTCPeerConnection?: typeof RTCPeerConnection;
}
