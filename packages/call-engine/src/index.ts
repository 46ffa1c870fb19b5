export { backoffDelay } from './backoff.ts';
export {
  type BandwidthPolling,
  BandwidthReporter,
  type BandwidthReporterOptions,
} from './bandwidth-reporter.ts';
export {
  CallEngine,
  type CallEngineEvents,
  type CallEngineOptions,
  type ConnectionStateEvent,
  type EngineError,
  type EngineErrorCode,
  type EngineState,
  type NegotiationEvent,
  type RemoteTrackEvent,
} from './call-engine.ts';
export { type ChatLine, ChatOutbox } from './chat-outbox.ts';
export { Emitter } from './emitter.ts';
export { IceServerSource } from './ice-servers.ts';
export {
  type CongestionEvidence,
  congestionEvidence,
  type InboundCounters,
  linkSample,
  type MediaSummary,
  type Observation,
  summarizeMedia,
} from './link-evidence.ts';
export { type LinkCapacity, LinkProbeError, type LinkProbeOptions, probeLink } from './link-probe.ts';
export {
  desiredLinks,
  diffLinks,
  handedOverByLeaver,
  isNewerPlan,
  isPlanned,
  isPolite,
  type LinkDiff,
  type LinkRole,
  type LinkSpec,
  linkForSignal,
  linkKey,
  meshStreamId,
  outlivesLeave,
  takesJoinedPlan,
} from './links.ts';
export { PathReporter, type PathReporterOptions, type ReportableConnection } from './path-reporter.ts';
export { type MediaKind, PeerLink, type PeerLinkCallbacks, type PeerLinkOptions } from './peer-link.ts';
export { type LatencySource, ReceiveLatencyEstimator } from './receive-latency.ts';
export { RemoteStreams } from './remote-streams.ts';
export { selectedPairOf } from './selected-pair.ts';
export { SfuPath, type SfuPathHost } from './sfu-path.ts';
export { SfuRequestError, SfuRequests } from './sfu-requests.ts';
export { type SfuReceiver, SfuSession, type SfuSessionOptions, type TilePreference } from './sfu-session.ts';
export {
  type SignalingEvents,
  type SignalingOptions,
  SignalingSocket,
  type SignalingState,
} from './signaling.ts';
export { SIMULCAST_LAYERS, simulcastEncodings } from './simulcast.ts';
export {
  type BandwidthSample,
  combineSamples,
  defaultThrottle,
  type PairSummary,
  type ReportThrottle,
  relayOnlyOf,
  shouldReport,
  statsValues,
  statsWithin,
  summarizeSelectedPair,
} from './stats.ts';
