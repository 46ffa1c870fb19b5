import type { types as ms } from 'mediasoup';
import type { TrackKind } from './types.ts';

/** Codecs FFmpeg can depacketize from RTP and WebM can hold without re-encoding. */
const RECORDABLE = new Set(['audio/opus', 'video/vp8', 'video/vp9']);

export const isRecordable = (mimeType: string): boolean => RECORDABLE.has(mimeType.toLowerCase());

/**
 * The SDP that tells FFmpeg what arrives on `rtpPort` (RTCP on `rtcpPort`): one m-line with the payload type, clock
 * rate, channels and fmtp parameters exactly as the consumer negotiated them on the router.
 */
export function recorderSdp(o: {
  kind: TrackKind;
  address: string;
  rtpPort: number;
  rtcpPort: number;
  codec: ms.RtpCodecParameters;
}): string {
  const { codec } = o;
  const encodingName = codec.mimeType.split('/')[1];
  if (!encodingName) throw new Error(`malformed mimeType ${codec.mimeType}`);
  const channels = o.kind === 'audio' && codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${o.address}`,
    's=Consulta recording',
    `c=IN IP4 ${o.address}`,
    't=0 0',
    `m=${o.kind} ${o.rtpPort} RTP/AVP ${codec.payloadType}`,
    `a=rtcp:${o.rtcpPort}`,
    `a=rtpmap:${codec.payloadType} ${encodingName}/${codec.clockRate}${channels}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\r\n');
}

/**
 * What the recorder's consumer may receive: only the producer's own codec as the router offers it, with no RTX,
 * no feedback and no header extensions, so the stream FFmpeg gets is plain RTP in one payload type.
 */
export function recorderRtpCapabilities(
  router: Pick<ms.Router, 'rtpCapabilities'>,
  producerMimeType: string,
): ms.RtpCapabilities | null {
  const codec = router.rtpCapabilities.codecs?.find(
    (c) => c.mimeType.toLowerCase() === producerMimeType.toLowerCase(),
  );
  if (!codec) return null;
  return { codecs: [{ ...codec, rtcpFeedback: [] }], headerExtensions: [] };
}
