import type { types as ms } from 'mediasoup';
import type { Keyring } from '../at-rest/index.ts';

/** The slice of a pino logger the recorder writes to (the server passes its own logger). */
export interface RecorderLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PortRange {
  min: number;
  max: number;
}

export interface RecorderOptions {
  router: ms.Router;
  /**
   * The finished file (WebM), stored sealed as `<outputPath>.enc` (the result's filePath). Its directory is
   * created; the working files live next to it until `stop()`.
   */
  outputPath: string;
  /** Master keys sealing the track files and the finished file (docs/recording.md, "Encrypted at rest"). */
  keyring: Keyring;
  ffmpegPath: string;
  /** Defaults to `ffprobe` beside `ffmpegPath`. */
  ffprobePath?: string;
  /**
   * Loopback ports for this process's recorder traffic (config media.rtcMinPort..rtcMaxPort): the lower half for
   * the worker's PlainTransports, the upper half for the ports FFmpeg receives on. At least 8 ports.
   */
  portRange: PortRange;
  log: RecorderLog;
  /** How long a running FFmpeg may take to bind its ports before it is stopped and retried (default 20 s). */
  listenTimeoutMs?: number;
  /** How long FFmpeg may take to finish its file after SIGINT before it is killed (default 10 s). */
  stopTimeoutMs?: number;
  /** How long the final remux may run before it is killed (default 10 min). */
  finaliseTimeoutMs?: number;
  /** Interval of keyframe requests to a video producer until its first frame is in the file (default 1 s). */
  keyFrameRequestIntervalMs?: number;
  /**
   * Armed: every track gets ready (PlainTransport, paused consumer, FFmpeg listening) but no media flows until
   * `begin()`, which is the recording's time 0. Lets the caller prepare while consent is pending, so the file
   * starts within a keyframe's round trip of the moment everyone agreed (default false: begins at once).
   */
  armed?: boolean;
  /**
   * Simulcast layer a video track records: 'highest' (default) or a spatial layer index (0 = lowest), capped at
   * what the producer sends. Config `recording.videoLayer`.
   */
  videoLayer?: VideoLayer;
}

export type VideoLayer = 'highest' | number;

/** A producer to record, and whose it is (names the track in the file). */
export interface RecordedSource {
  producer: ms.Producer;
  participantId: string;
  displayName: string;
}

/** Why something could not be recorded. Internal: the caller maps it to the recording's FAILED state. */
export type RecordingFailureCode =
  /** The working directory or the output could not be written. */
  | 'STORAGE_FAILED'
  /** The producer's codec cannot go into a WebM file. */
  | 'UNSUPPORTED_CODEC'
  /** No free port pair for FFmpeg in the configured range. */
  | 'PORTS_EXHAUSTED'
  /** mediasoup refused the PlainTransport or the consumer. */
  | 'TRANSPORT_FAILED'
  /** FFmpeg could not be started (missing binary, …). */
  | 'FFMPEG_SPAWN_FAILED'
  /** FFmpeg did not bind its receive ports in time. */
  | 'FFMPEG_NOT_LISTENING'
  /** FFmpeg exited while it was recording. */
  | 'FFMPEG_EXITED'
  /** FFmpeg did not finish within the bounded wait after SIGINT and was killed. */
  | 'FFMPEG_STUCK'
  /** Nothing reached any track file. */
  | 'NO_MEDIA'
  /** Combining the tracks into the final file failed. */
  | 'REMUX_FAILED';

export interface RecordingFailure {
  code: RecordingFailureCode;
  /** For logs and operators, not for clients (it may quote FFmpeg). */
  message: string;
}

export type TrackKind = 'audio' | 'video';

/** Why a participant's tracks ended before the recording did, tagged on their streams (`CONSULTA_ENDED`). */
export type TrackEndReason = 'consent-withdrawn';

export interface RecordedTrack {
  trackId: string;
  producerId: string;
  participantId: string;
  displayName: string;
  kind: TrackKind;
  /** e.g. video/VP8, as negotiated on the router. */
  mimeType: string;
  /**
   * recorded: in the file; failed: in the file up to where FFmpeg died (or not at all if nothing was written);
   * empty: no media ever arrived (e.g. stopped before the first keyframe).
   */
  status: 'recorded' | 'failed' | 'empty';
  failure: RecordingFailure | null;
  /** Where the track starts on the file's timeline. */
  startOffsetMs: number | null;
  durationMs: number | null;
  /** Stream index in the final file, null when the track is not in it. */
  streamIndex: number | null;
}

export type RecordingResult =
  | {
      ok: true;
      filePath: string;
      durationMs: number;
      /** Size of the final file's plaintext (the WebM a download gives). */
      sizeBytes: number;
      /** Hex SHA-256 of the final file's plaintext. */
      sha256: string;
      /** false when a track failed along the way (the file holds what was written before). */
      complete: boolean;
      /** Index of the stream mixing every audio track (the default audio), null without audio. */
      mixedAudioStreamIndex: number | null;
      tracks: RecordedTrack[];
    }
  | { ok: false; failure: RecordingFailure; tracks: RecordedTrack[] };

/** The first media of a track reached its file. */
export interface FirstFrame {
  trackId: string;
  producerId: string;
  participantId: string;
  kind: TrackKind;
  /** Since the recording began: `begin()` when armed, else startRecorder(). */
  elapsedMs: number;
  /** When FFmpeg was listening and the consumer resumed, since the recording began. */
  resumedElapsedMs: number | null;
  /** When the consumer sent FFmpeg its first packet (for video, the keyframe it waited for), since it began. */
  firstPacketElapsedMs: number | null;
}

export interface TrackFailed {
  trackId: string;
  producerId: string;
  participantId: string;
  failure: RecordingFailure;
}
