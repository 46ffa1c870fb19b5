// Who the room is told is speaking. mediasoup's ActiveSpeakerObserver names a new dominant speaker when it changes
// but says nothing when everyone falls silent, so the last speaker stayed highlighted for as long as the room was
// quiet. An AudioLevelObserver on the same producers reports silence; once it has lasted `silenceMs` the speaker
// is cleared (`null`, as the protocol defines), and the next sound names the loudest producer again.

export interface ActiveSpeakerOptions {
  /** How long the room must be silent before the speaker is cleared. */
  silenceMs: number;
  /** Tells the room (only on a change). */
  announce(peerId: string | null): void;
  setTimer?: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimer?: (timer: ReturnType<typeof setTimeout>) => void;
}

export class ActiveSpeaker {
  private current: string | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  /** The levels said nobody is above the threshold, and no sound came since. */
  private silent = false;

  constructor(private readonly o: ActiveSpeakerOptions) {}

  get speaker(): string | null {
    return this.current;
  }

  /**
   * The dominant-speaker observer named someone (a change of dominant speaker). Ignored while the levels say the
   * room is silent: that observer re-elects when producers pause (everyone muting), which named a speaker again
   * after the silence had cleared it.
   */
  dominant(peerId: string | null): void {
    if (this.silent && peerId !== null) return;
    this.set(peerId);
  }

  /** Sound above the level threshold; `loudest` is its loudest producer's participant. */
  sound(loudest: string | null): void {
    this.silent = false;
    this.cancel();
    // After a silence the dominant-speaker observer may still hold the same person and stay quiet about them.
    if (this.current === null && loudest !== null) this.set(loudest);
  }

  /** Everyone fell below the threshold: clear the speaker unless sound returns within `silenceMs`. */
  silence(): void {
    this.silent = true;
    if (this.silenceTimer !== null) return;
    const setTimer = this.o.setTimer ?? setTimeout;
    this.silenceTimer = setTimer(() => {
      this.silenceTimer = null;
      this.set(null);
    }, this.o.silenceMs);
    this.silenceTimer.unref?.();
  }

  close(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.silenceTimer === null) return;
    (this.o.clearTimer ?? clearTimeout)(this.silenceTimer);
    this.silenceTimer = null;
  }

  private set(peerId: string | null): void {
    if (peerId === this.current) return;
    this.current = peerId;
    this.o.announce(peerId);
  }
}
