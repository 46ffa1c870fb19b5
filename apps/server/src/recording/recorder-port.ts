/** What the recording service needs from the media side: start writing a consult's SFU media to a file. */
export interface RecorderPort {
  /** Starts recording the room's current and future producers into `outputPath`. */
  start(consultationId: string, outputPath: string): Promise<ActiveRecorder>;
}

export interface RecorderResult {
  filePath: string;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
}

export interface ActiveRecorder {
  /** Resolves when the first media reached the file. */
  readonly firstFrame: Promise<void>;
  /** Finalises the file. Safe to call more than once. */
  stop(): Promise<RecorderResult>;
  /** Called at most once if the recorder fails on its own (FFmpeg died, the worker was lost). */
  onFailure(listener: (reason: string) => void): void;
}
