/**
 * What the recording service needs from the media side: prepare to write a consult's SFU media to a file while
 * consent is pending (armed), start at the moment everyone agreed, finish on stop.
 */
export interface RecorderPort {
  /**
   * Gets ready to record the room's current and future producers into `outputPath` (transports, paused
   * consumers, FFmpeg listening), writing nothing until `begin()`.
   */
  arm(consultationId: string, outputPath: string): Promise<ActiveRecorder>;
}

export interface RecorderResult {
  filePath: string;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  /** false when a track stopped early (its FFmpeg died): the file holds what was written. */
  complete: boolean;
}

export interface ActiveRecorder {
  /** Everyone consented: media flows into the file from now on, and this moment is the file's time 0. */
  begin(): void;
  /** Milliseconds from `begin()` to the first media of `kind` in the file; null if stopped first. */
  firstFrame(kind: 'audio' | 'video'): Promise<number | null>;
  /**
   * Stops recording the participant now (they withdrew consent): their tracks end, producers of theirs added
   * later are ignored, the rest goes on. Resolves when their tracks are finished.
   */
  withdraw(participantId: string): Promise<void>;
  /** Finalises the file (an armed recorder that never began writes nothing and rejects). Safe to call twice. */
  stop(): Promise<RecorderResult>;
  /**
   * Called at most once if the media under a running recording is lost (the worker died, the room left the SFU):
   * nothing more can be recorded, and `stop()` yields the file as far as it got.
   */
  onLost(listener: (reason: string) => void): void;
}
