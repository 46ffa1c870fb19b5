// When a new video path may take over a tile: after its first decoded frame, not its first packet. A video track
// unmutes on its first packet, but shows nothing until a key frame has arrived whole and been decoded; swapping
// a playing track for it then leaves the tile frozen meanwhile (make before break would break first).
import { statsValues, statsWithin } from './stats.ts';

/** How often the receiver's stats are read while waiting (there is no event for a decoded frame). */
const POLL_MS = 50;
/** Past this, the new path takes over anyway: a frame that never comes must not pin the old path forever. */
const WAIT_MS = 3000;

/**
 * Resolves once `source`'s stats (a receiver, a consumer, or a peer connection asked about one track) count a
 * decoded frame on an inbound RTP stream, once `gone()` says the track no longer matters, or after WAIT_MS.
 */
export async function firstFrameDecoded(
  source: { getStats(): Promise<RTCStatsReport> },
  gone: () => boolean,
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!gone() && Date.now() < deadline) {
    const report = await statsWithin(source).catch(() => null);
    const decoded = report
      ? statsValues(report).reduce(
          (sum, s) =>
            sum + (s.type === 'inbound-rtp' && typeof s.framesDecoded === 'number' ? s.framesDecoded : 0),
          0,
        )
      : 0;
    if (decoded > 0) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
