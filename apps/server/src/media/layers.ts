// Which simulcast layer a receiver gets of one sender's video. Pure: the media room feeds it the receiver's tile
// preference (from `sfu-consumer-preference`) and the downlink it reported (`bandwidth`), and applies the result.

/** The encodings every client sends (SfuSession's simulcast): width share of the source and target bitrate. */
export const SIMULCAST_LAYERS: ReadonlyArray<{ scaleDown: number; kbps: number }> = [
  { scaleDown: 4, kbps: 150 },
  { scaleDown: 2, kbps: 500 },
  { scaleDown: 1, kbps: 1200 },
];

/** Width of the senders' source video assumed for the choice (the engine captures at most this wide). */
export const SOURCE_WIDTH = 1280;

/** Share of the reported downlink spent on video: audio, RTCP and cross traffic need the rest. */
export const VIDEO_SHARE_OF_DOWNLINK = 0.8;

export interface LayerInput {
  /** The tile showing this video is on screen. Unknown preference: visible. */
  visible: boolean;
  /** CSS pixel width of the tile; 0 = unknown (take the best layer the budget allows). */
  width: number;
  /** Receiver's downlink as last reported, kbit/s; null = unknown (no cap). */
  downlinkKbps: number | null;
  /** How many videos the receiver is shown at once (the downlink is shared among them); at least 1. */
  visibleVideos: number;
}

export interface LayerChoice {
  /** Pause the consumer: nobody looks at it. */
  paused: boolean;
  /** Preferred spatial layer, 0 = smallest. */
  spatialLayer: number;
}

/**
 * The smallest layer at least as wide as the tile (so it is never upscaled), lowered until it fits the
 * receiver's share of downlink; never below layer 0, which always flows for a visible tile.
 */
export function chooseLayer(input: LayerInput): LayerChoice {
  if (!input.visible) return { paused: true, spatialLayer: 0 };
  const top = SIMULCAST_LAYERS.length - 1;
  let layer = top;
  if (input.width > 0) {
    const fits = SIMULCAST_LAYERS.findIndex((l) => SOURCE_WIDTH / l.scaleDown >= input.width);
    layer = fits === -1 ? top : fits;
  }
  if (input.downlinkKbps !== null) {
    const budget = (input.downlinkKbps * VIDEO_SHARE_OF_DOWNLINK) / Math.max(1, input.visibleVideos);
    while (layer > 0 && SIMULCAST_LAYERS[layer]!.kbps > budget) layer--;
  }
  return { paused: false, spatialLayer: layer };
}
