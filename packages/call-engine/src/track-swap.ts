// Swapping the track an RTCRtpSender sends. replaceTrack settles later and only then changes `sender.track`, so
// comparing with `sender.track` misses a swap still in flight: a screen shared and stopped in quick succession
// (replaceTrack(screen) pending, then "already null, nothing to do") would leave the screen on the sender for good.
// The track last asked for is the truth; calls queue on the connection's operations chain, so the last one wins.

/** The part of RTCRtpSender a swap needs (a fake one in unit tests). */
export interface SwappableSender {
  readonly track: MediaStreamTrack | null;
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
}

export class TrackSwapper {
  private readonly asked = new WeakMap<SwappableSender, MediaStreamTrack | null>();

  /** The track `sender` sends once every swap asked for has settled. */
  intended(sender: SwappableSender): MediaStreamTrack | null {
    return this.asked.has(sender) ? (this.asked.get(sender) ?? null) : sender.track;
  }

  /** Makes `sender` send `track` (null: nothing); no call when that is already what it was last asked. */
  swap(sender: SwappableSender, track: MediaStreamTrack | null): void {
    if (this.intended(sender) === track) return;
    this.asked.set(sender, track);
    void sender.replaceTrack(track).catch(() => {
      // Refused (e.g. the connection closed): forget the request, so the next swap compares with the real track.
      if (this.asked.get(sender) === track) this.asked.delete(sender);
    });
  }
}
