export { backoffDelay } from './backoff.ts';
export {
  CallEngine,
  type CallEngineEvents,
  type CallEngineOptions,
  type ConnectionStateEvent,
  type EngineError,
  type EngineErrorCode,
  type EngineState,
  type RemoteTrackEvent,
} from './call-engine.ts';
export { Emitter } from './emitter.ts';
export {
  desiredLinks,
  diffLinks,
  isNewerPlan,
  isPolite,
  type LinkDiff,
  type LinkRole,
  type LinkSpec,
  linkForSignal,
  linkKey,
  meshStreamId,
} from './links.ts';
export { type MediaKind, PeerLink, type PeerLinkCallbacks, type PeerLinkOptions } from './peer-link.ts';
export {
  FINAL_CLOSE_CODES,
  SignalingConnection,
  type SignalingEvents,
  type SignalingOptions,
  type SignalingState,
} from './signaling.ts';
export {
  type BandwidthSample,
  combineSamples,
  defaultThrottle,
  type PairSummary,
  type ReportThrottle,
  shouldReport,
  statsValues,
  summarizeSelectedPair,
} from './stats.ts';
