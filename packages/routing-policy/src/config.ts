import type { PolicyConfig, Quality } from './types.ts';

/** Quality levels from best to worst. */
export const QUALITIES: readonly Quality[] = ['hd', 'sd', 'low', 'audio'];

/**
 * Defaults: 1:1 calls go p2p, groups up to 6 may use trees, recording always uses the SFU.
 * Bitrates are per stream (video + audio); `audio` is an audio-only fallback.
 */
export const defaultPolicyConfig: PolicyConfig = Object.freeze({
  qualityKbps: Object.freeze({ hd: 2500, sd: 1000, low: 400, audio: 48 }),
  p2pMaxParticipants: 2,
  treeMaxParticipants: 6,
  recordingRequiresSfu: true,
  maxRelayHops: 3,
  // directMs and perRelayHopMs: medians measured by bench/latency.bench.ts (docs/latency.md), of mouth-to-ear
  // audio, the binding one (a relay's audio jitter buffer costs more than its video path: 58 vs 11-17 ms).
  latency: Object.freeze({ budgetMs: 150, directMs: 73, perRelayHopMs: 58 }),
  bandwidthHeadroom: 0.85,
  unknownUplinkKbps: 800,
  unknownDownlinkKbps: 2000,
  relayDevices: Object.freeze(['desktop', 'laptop'] as const),
  // treeRetrySeconds: a 4-person call on a loaded machine (tests/web/call-layout.test.ts) went SFU -> tree -> SFU
  // within 4.3 s as its figures swung, each move rebuilding every connection of four browsers.
  hysteresis: Object.freeze({ upgradeMargin: 0.15, costMargin: 0.25, treeRetrySeconds: 20 }),
  // The network lab (docs/network-lab.md): a direct 4G + weak-mobile call lost 3.5-5.3 % (receivers' figures
  // without their worst poll read 2.5-3.5) and froze 6-9 s in 30 s, where the SFU (1.7 % per leg) froze 0.2 s;
  // direct calls on clean links lose under 0.6 %.
  lossyPath: Object.freeze({ enterPercent: 2.5, exitPercent: 1.5 }),
});
