// One stable MediaStream per remote sender (streamId = the sender's participant id). Whatever path delivers the
// sender's media (a mesh link, a tree parent, the SFU), its tracks are swapped into the same stream object, so a
// UI tile bound to it never changes when the path does.

export class RemoteStreams {
  private readonly streams = new Map<string, MediaStream>();

  get(sender: string): MediaStream | undefined {
    return this.streams.get(sender);
  }

  entries(): IterableIterator<[string, MediaStream]> {
    return this.streams.entries();
  }

  /** Whether `track` should wait before replacing the sender's current track of its kind (make before break). */
  shouldDefer(sender: string, track: MediaStreamTrack): boolean {
    const current = this.streams
      .get(sender)
      ?.getTracks()
      .find((t) => t.kind === track.kind);
    // The current track still plays and the new one has not received anything yet: keep the current one.
    return !!current && current !== track && track.muted && current.readyState === 'live' && !current.muted;
  }

  /** Puts `track` into the sender's stream in place of its kind's current track; returns the stream. */
  put(sender: string, track: MediaStreamTrack): MediaStream {
    let stream = this.streams.get(sender);
    if (!stream) {
      stream = new MediaStream();
      this.streams.set(sender, stream);
    }
    for (const old of stream.getTracks())
      if (old.kind === track.kind && old !== track) stream.removeTrack(old);
    if (!stream.getTracks().includes(track)) stream.addTrack(track);
    return stream;
  }

  /** Takes these tracks out of the sender's stream; true when the stream is now empty (and forgotten). */
  remove(sender: string, tracks: Iterable<MediaStreamTrack>): boolean {
    const stream = this.streams.get(sender);
    if (!stream) return false;
    for (const t of tracks) stream.removeTrack(t);
    if (stream.getTracks().length > 0) return false;
    this.streams.delete(sender);
    return true;
  }

  /** The kinds the sender's stream lacks among `kinds`. */
  missing(sender: string, kinds: Iterable<string>): string[] {
    const have = new Set(
      this.streams
        .get(sender)
        ?.getTracks()
        .map((t) => t.kind) ?? [],
    );
    return [...kinds].filter((k) => !have.has(k));
  }
}
