// Who the room is told is speaking. mediasoup's ActiveSpeakerObserver names a dominant speaker only when it
// changes (with hysteresis, so a cough does not steal the tile) and never says "nobody": a call that fell silent
// kept its last speaker highlighted. An AudioLevelObserver on the same producers says when every microphone has
// been quiet for an interval (`silence`), and which producer was loudest when someone speaks again (`voices`).

/** What the room is told about, and when: `tell(null)` means nobody is speaking. */
export class ActiveSpeaker {
  /** The dominant speaker's observer's latest choice. */
  private dominant: string | null = null;
  private silent = false;
  /** Since the last silence, whether the dominant-speaker observer has spoken: until then, loudness decides. */
  private fresh = true;
  private told: string | null = null;

  constructor(private readonly tell: (peerId: string | null) => void) {}

  /** The dominant-speaker observer changed its mind. */
  dominantIs(who: string | null): void {
    this.dominant = who;
    this.fresh = true;
    if (!this.silent) this.announce(who);
  }

  /** Every microphone was below the threshold for a whole interval (or sent nothing: muted, paused). */
  silence(): void {
    this.silent = true;
    this.fresh = false;
    this.announce(null);
  }

  /**
   * Someone was above the threshold; `loudest` was the loudest. After a silence the dominant observer may name
   * nobody new (its choice did not change while everyone was quiet), so the loudest is told until it does.
   */
  voices(loudest: string | null): void {
    this.silent = false;
    this.announce(this.fresh ? this.dominant : (loudest ?? this.dominant));
  }

  /** `who` stopped sending audio (its producer closed): not the speaker any more. */
  gone(who: string): void {
    if (this.dominant === who) this.dominant = null;
    if (this.told === who) this.announce(null);
  }

  private announce(who: string | null): void {
    if (who === this.told) return;
    this.told = who;
    this.tell(who);
  }
}
