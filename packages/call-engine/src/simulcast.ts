// The VP8 encodings the SFU path sends for a camera of a given width: three simulcast layers (quarter, half and
// full resolution) the server chooses from per receiver. Chromium sends only as many layers as the resolution
// supports (about 3 from 960 px wide, 2 from 480, else 1) and drops the top ones, so smaller sources get fewer
// layers here: asking for three at 320 px would leave just the 80 px layer on the wire.

export const SIMULCAST_LAYERS: readonly RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/** Encodings for a source `width` px wide (unknown width: all three). */
export function simulcastEncodings(width: number | undefined): RTCRtpEncodingParameters[] {
  const layers = width === undefined || width >= 960 ? 3 : width >= 480 ? 2 : 1;
  // Keep the top layers (full resolution always included); rescale so the last one is the source itself.
  return SIMULCAST_LAYERS.slice(SIMULCAST_LAYERS.length - layers).map((e) => ({ ...e }));
}
