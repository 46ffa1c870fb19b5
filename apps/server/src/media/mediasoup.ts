// The one place that loads mediasoup. Everything else in the server sees only the types below, so the library
// stays behind the media module and a server with the SFU disabled never loads it.
import type * as Mediasoup from 'mediasoup';

export type Ms = typeof Mediasoup;
export type Worker = Mediasoup.types.Worker;
export type WebRtcServer = Mediasoup.types.WebRtcServer;
export type Router = Mediasoup.types.Router;
export type WebRtcTransport = Mediasoup.types.WebRtcTransport;
export type Producer = Mediasoup.types.Producer;
export type Consumer = Mediasoup.types.Consumer;
export type ActiveSpeakerObserver = Mediasoup.types.ActiveSpeakerObserver;
export type AudioLevelObserver = Mediasoup.types.AudioLevelObserver;
export type RtpCapabilities = Mediasoup.types.RtpCapabilities;
export type RtpParameters = Mediasoup.types.RtpParameters;
export type DtlsParameters = Mediasoup.types.DtlsParameters;
export type RouterRtpCodecCapability = Mediasoup.types.RouterRtpCodecCapability;

let loaded: Promise<Ms> | null = null;

/**
 * Loads mediasoup once. The worker binary is passed to each `createWorker` (media.workerBin), which takes
 * precedence over the MEDIASOUP_WORKER_BIN mediasoup reads at load time, so no environment write is needed here.
 */
export function loadMediasoup(): Promise<Ms> {
  loaded ??= import('mediasoup');
  return loaded;
}

/** opus for audio, VP8 for video (simulcast): what every browser we support sends and decodes. */
export const mediaCodecs: RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 500 },
  },
];
