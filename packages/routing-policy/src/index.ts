export { treePeerOf, treePeers } from './bandwidth.ts';
export { defaultPolicyConfig } from './config.ts';
export { decideTopology } from './decide.ts';
export { type EgressInput, platformEgressKbps } from './egress.ts';
export { pathLatencyMs, treeDepthLimit } from './latency.ts';
export { foundNoTreeFit } from './settling.ts';
export type {
  DeviceClass,
  HysteresisConfig,
  LatencyConfig,
  LossyPathConfig,
  Participant,
  ParticipantRole,
  PolicyConfig,
  PolicyDecision,
  PolicyInput,
  Quality,
  Reason,
  ReasonCode,
  RecordingState,
  Topology,
} from './types.ts';
