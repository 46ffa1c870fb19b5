import { type Static, Type } from 'typebox';
import { Id } from './domain.ts';

// Shapes the SFU messages carry. mediasoup's own parameter objects (RTP capabilities and parameters, ICE and DTLS
// parameters) pass through as JSON objects: the edge bounds their size, and mediasoup validates their contents
// (a refusal comes back as VALIDATION_FAILED).

/** A mediasoup parameter object, opaque to the protocol. */
export const MediasoupObject = Type.Record(Type.String(), Type.Unknown(), {
  propertyNames: { maxLength: 64 },
});
export type MediasoupObject = Static<typeof MediasoupObject>;

/** Correlates a request with its reply (or with an `error` naming the same id). Chosen by the client. */
export const RequestId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const TransportDirection = Type.Enum(['send', 'recv'] as const);
export type TransportDirection = Static<typeof TransportDirection>;

export const MediaKind = Type.Enum(['audio', 'video'] as const);
export type MediaKind = Static<typeof MediaKind>;

/**
 * Where a video comes from: the sender's camera, or a screen, window or tab they share (getDisplayMedia). A
 * screen is a second video of its sender; receivers show it large. Who may share: {@link mayShareScreen}.
 */
export const TrackSource = Type.Enum(['camera', 'screen'] as const);
export type TrackSource = Static<typeof TrackSource>;

/** Everything mediasoup-client's `Device.createSendTransport`/`createRecvTransport` needs. */
export const SfuTransportOptions = Type.Object({
  id: Id,
  iceParameters: MediasoupObject,
  iceCandidates: Type.Array(MediasoupObject),
  dtlsParameters: MediasoupObject,
});
export type SfuTransportOptions = Static<typeof SfuTransportOptions>;

/** What a receiver's client needs to create a consumer for another participant's producer. */
export const SfuConsumerOptions = Type.Object({
  id: Id,
  producerId: Id,
  /** The participant whose media this is (the same id a p2p/tree stream carries as `streamId`). */
  peerId: Id,
  kind: MediaKind,
  /** camera (default) or a shared screen. */
  source: TrackSource,
  rtpParameters: MediasoupObject,
});
export type SfuConsumerOptions = Static<typeof SfuConsumerOptions>;
