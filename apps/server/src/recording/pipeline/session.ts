import { EventEmitter } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openSealedFile } from '../at-rest/index.ts';
import { probeMedia } from './file-facts.ts';
import { splitRange } from './ports.ts';
import type { RemuxInput } from './remux.ts';
import { runRemux } from './remux-run.ts';
import { monotonicMs, type TrackContext, TrackRecorder } from './track-recorder.ts';
import type {
  FirstFrame,
  RecordedSource,
  RecordedTrack,
  RecorderOptions,
  RecordingFailure,
  RecordingResult,
  TrackEndReason,
  TrackFailed,
  TrackKind,
} from './types.ts';

export type ResolvedRecorderOptions = Required<RecorderOptions>;

export interface RecordingSessionEvents {
  /** A track's first media reached its file (once per track). */
  'first-frame': [FirstFrame];
  /** A track stopped recording because of a failure; the rest of the recording goes on. */
  'track-failed': [TrackFailed];
}

/** An FFmpeg the recording started (for operators and tests). */
export interface RecorderProcess {
  trackId: string;
  participantId: string;
  kind: TrackKind;
  pid: number;
}

/** A file this much longer than the time since the recording began is logged as an error, with every track. */
const FILE_LONGER_WARN_MS = 2000;

/**
 * One consultation being recorded: a TrackRecorder per producer (participants come and go freely), then on
 * `stop()` one remux of every track into the final file. See docs/recording.md.
 */
export class RecordingSession extends EventEmitter<RecordingSessionEvents> {
  private readonly tracks: TrackRecorder[] = [];
  /** When the recording began (its time 0): `begin()` when armed, else when it was started. */
  private beganAtMs: number | null = null;
  private readonly began: Promise<void>;
  private markBegan: () => void = () => {};
  private readonly ctx: TrackContext;
  private readonly firstFrames: FirstFrame[] = [];
  private readonly waiters: Array<{ kind: TrackKind | null; resolve: (f: FirstFrame | null) => void }> = [];
  private stopping: Promise<RecordingResult> | null = null;
  /** Participants no longer recorded (they withdrew consent): why, as tagged on their streams in the file. */
  private readonly ended = new Map<string, TrackEndReason>();

  constructor(
    private readonly o: ResolvedRecorderOptions,
    private readonly workDir: string,
    /** Set when the recording could not even be prepared; stop() reports it. */
    private readonly setupFailure: RecordingFailure | null,
  ) {
    super();
    this.began = new Promise((resolve) => {
      this.markBegan = resolve;
    });
    this.ctx = {
      router: o.router,
      ffmpegPath: o.ffmpegPath,
      workDir,
      ranges: splitRange(o.portRange),
      log: o.log,
      listenTimeoutMs: o.listenTimeoutMs,
      stopTimeoutMs: o.stopTimeoutMs,
      keyFrameRequestIntervalMs: o.keyFrameRequestIntervalMs,
      videoLayer: o.videoLayer,
      keyring: o.keyring,
      began: this.began,
      onFirstMedia: (track) => this.onFirstMedia(track),
      onFailed: (track, failure) =>
        this.emitSafely('track-failed', {
          trackId: track.trackId,
          producerId: track.producerId,
          participantId: track.participantId,
          failure,
        }),
    };
    if (!o.armed) this.begin();
  }

  /**
   * The recording's start (everyone consented): armed tracks resume their consumers now, tracks added later start
   * as soon as they are ready, and this moment is time 0 of the file. Returns that moment (monotonic ms).
   * Idempotent; a recording that was not armed began when it was started.
   */
  begin(): number {
    if (this.beganAtMs === null) {
      this.beganAtMs = monotonicMs();
      this.markBegan();
    }
    return this.beganAtMs;
  }

  get hasBegun(): boolean {
    return this.beganAtMs !== null;
  }

  /** Resolves once every track added so far is ready to record (FFmpeg listening) or has given up. */
  async ready(): Promise<void> {
    await Promise.all(this.tracks.map((t) => t.ready));
  }

  /**
   * Records `source.producer` from now on, as its own track. Returns the track id, or null once the recording is
   * stopping (or could not be prepared). Adding a producer that is being recorded returns its current track.
   */
  addProducer(source: RecordedSource): string | null {
    if (this.stopping || this.setupFailure) {
      this.o.log.warn({ producerId: source.producer.id }, 'recorder: producer added after stop, ignored');
      return null;
    }
    if (this.ended.has(source.participantId)) return null;
    const current = this.tracks.find(
      (t) => t.producerId === source.producer.id && t.stoppedAtMs === null && !t.failure,
    );
    if (current) return current.trackId;
    const trackId = `t${this.tracks.length + 1}-${source.producer.kind}`;
    this.tracks.push(new TrackRecorder(this.ctx, source, trackId));
    return trackId;
  }

  /** Ends the producer's track (its participant left); what was recorded stays in the file. */
  removeProducer(producerId: string): void {
    for (const track of this.tracks) if (track.producerId === producerId) void track.finish();
  }

  /**
   * Stops recording the participant at once (they withdrew consent): each of their tracks ends now, like a leave,
   * and producers of theirs added later are not recorded. What was recorded before stays in the file, where their
   * streams carry `CONSULTA_ENDED=<reason>`. Resolves when their FFmpegs have finished their files.
   */
  async removeParticipant(participantId: string, reason: TrackEndReason): Promise<void> {
    if (!this.ended.has(participantId)) this.ended.set(participantId, reason);
    await Promise.all(this.tracks.filter((t) => t.participantId === participantId).map((t) => t.finish()));
  }

  /** Resolves when the first media (of `kind`, if given) is in a track file; null if the recording ends first. */
  firstFrame(kind?: TrackKind): Promise<FirstFrame | null> {
    const seen = this.firstFrames.find((f) => !kind || f.kind === kind);
    if (seen || this.stopping) return Promise.resolve(seen ?? null);
    return new Promise((resolve) => this.waiters.push({ kind: kind ?? null, resolve }));
  }

  processes(): RecorderProcess[] {
    return this.tracks.flatMap((t) =>
      t.pids.map((pid) => ({ trackId: t.trackId, participantId: t.participantId, kind: t.kind, pid })),
    );
  }

  /** Finishes every track, builds the final file and reports it. Calling it again returns the same result. */
  stop(): Promise<RecordingResult> {
    this.stopping ??= this.finalise();
    return this.stopping;
  }

  private async finalise(): Promise<RecordingResult> {
    if (this.setupFailure) return { ok: false, failure: this.setupFailure, tracks: [] };
    try {
      await Promise.all(this.tracks.map((t) => t.finish()));
      for (const waiter of this.waiters.splice(0)) waiter.resolve(null);
      return await this.buildFile();
    } catch (err) {
      const failure: RecordingFailure = {
        code: 'STORAGE_FAILED',
        message: err instanceof Error ? err.message : String(err),
      };
      this.o.log.error({ failure }, 'recorder: finalising failed');
      return { ok: false, failure, tracks: this.tracks.map((t) => describeTrack(t, null, null, null)) };
    } finally {
      await rm(this.workDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  private async buildFile(): Promise<RecordingResult> {
    const ffprobe = this.o.ffprobePath;
    // A track is in the file when FFmpeg wrote media into it and the file is readable, even if FFmpeg died later.
    const probed = await Promise.all(
      this.tracks.map(async (t) => ({
        track: t,
        facts:
          t.firstMediaAtMs === null
            ? null
            : await probeMedia(ffprobe, openSealedFile(t.filePath, this.o.keyring)),
      })),
    );
    const usable = probed.filter((p) => p.facts && p.facts.streams.length > 0);
    const startOf = (t: TrackRecorder) => t.firstPacketAtMs ?? t.firstMediaAtMs ?? 0;
    // Armed recordings are timed from the moment they began (consent), so the file says when media arrived after
    // it; otherwise from the earliest first packet (nothing to measure against).
    const origin = this.o.armed ? (this.beganAtMs ?? 0) : Math.min(...usable.map((p) => startOf(p.track)));
    const inputs: RemuxInput[] = usable.map(({ track }) => ({
      trackId: track.trackId,
      participantId: track.participantId,
      displayName: track.displayName,
      kind: track.kind,
      path: track.filePath,
      offsetMs: Math.max(0, startOf(track) - origin),
      endedBy: this.ended.get(track.participantId) ?? null,
    }));
    const describe = (streamIndex: Map<string, number> | null) =>
      probed.map(({ track, facts }) => {
        const input = inputs.find((i) => i.trackId === track.trackId);
        return describeTrack(track, input?.offsetMs ?? null, facts?.durationMs ?? null, streamIndex);
      });

    if (inputs.length === 0) {
      const failure = this.tracks.find((t) => t.failure)?.failure ?? {
        code: 'NO_MEDIA' as const,
        message: 'no media reached any track',
      };
      this.o.log.warn({ failure, tracks: this.tracks.length }, 'recorder: nothing recorded');
      return { ok: false, failure, tracks: describe(null) };
    }

    const sealedPath = `${this.o.outputPath}.enc`;
    const partial = path.join(this.workDir, 'final.webm.enc');
    const run = await runRemux({
      ffmpegPath: this.o.ffmpegPath,
      inputs,
      sealedOut: partial,
      keyring: this.o.keyring,
      timeoutMs: this.o.finaliseTimeoutMs,
    });
    if (!run.ok) {
      const failure: RecordingFailure = {
        code: 'REMUX_FAILED',
        message: `remux failed: ${run.message}`.slice(0, 1000),
      };
      this.o.log.error({ failure }, 'recorder: remux failed');
      return { ok: false, failure, tracks: describe(null) };
    }
    await rename(partial, sealedPath);
    const { sizeBytes, sha256, plan } = run;
    const tracks = describe(plan.streamIndex);
    // A WebM written to a pipe has no Duration element: the remux's last progress time is the file's duration.
    const durationMs =
      run.outTimeMs ?? Math.max(...tracks.map((t) => (t.startOffsetMs ?? 0) + (t.durationMs ?? 0)));
    const complete = tracks.every((t) => t.status !== 'failed');
    // Where each track sits (ms since the origin): a file longer than the recording says which track and how.
    const placed = tracks.map((t) => `${t.trackId}@${t.startOffsetMs}+${t.durationMs}`).join(' ');
    const recordedMs = monotonicMs() - origin;
    if (durationMs > recordedMs + FILE_LONGER_WARN_MS) {
      this.o.log.error(
        { durationMs, recordedMs, origin, placed, firstPackets: this.tracks.map((t) => t.firstPacketAtMs) },
        'recorder: the file is longer than the recording',
      );
    }
    this.o.log.info(
      { filePath: sealedPath, durationMs, sizeBytes, sha256, tracks: tracks.length, placed, complete },
      'recorder: recording finalised',
    );
    return {
      ok: true,
      filePath: sealedPath,
      durationMs,
      sizeBytes,
      sha256,
      complete,
      mixedAudioStreamIndex: plan.mixedAudioStreamIndex,
      tracks,
    };
  }

  private onFirstMedia(track: TrackRecorder): void {
    const origin = this.beganAtMs ?? monotonicMs();
    const since = (atMs: number | null) => (atMs === null ? null : atMs - origin);
    const frame: FirstFrame = {
      trackId: track.trackId,
      producerId: track.producerId,
      participantId: track.participantId,
      kind: track.kind,
      elapsedMs: (track.firstMediaAtMs ?? monotonicMs()) - origin,
      resumedElapsedMs: since(track.resumedAtMs),
      firstPacketElapsedMs: since(track.firstPacketAtMs),
    };
    this.firstFrames.push(frame);
    for (const waiter of [...this.waiters]) {
      if (waiter.kind && waiter.kind !== frame.kind) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    }
    this.emitSafely('first-frame', frame);
  }

  /** A listener that throws must not break a track (it runs inside FFmpeg's output handlers). */
  private emitSafely<K extends keyof RecordingSessionEvents>(
    event: K,
    ...args: RecordingSessionEvents[K]
  ): void {
    try {
      (this.emit as (e: K, ...a: RecordingSessionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.o.log.error({ event, err }, 'recorder: event listener threw');
    }
  }
}

function describeTrack(
  t: TrackRecorder,
  startOffsetMs: number | null,
  probedDurationMs: number | null,
  streamIndex: Map<string, number> | null,
): RecordedTrack {
  const inFile = streamIndex?.get(t.trackId) ?? null;
  const measured =
    t.firstMediaAtMs !== null && t.stoppedAtMs !== null ? t.stoppedAtMs - t.firstMediaAtMs : null;
  return {
    trackId: t.trackId,
    producerId: t.producerId,
    participantId: t.participantId,
    displayName: t.displayName,
    kind: t.kind,
    mimeType: t.mimeType,
    status: t.failure ? 'failed' : inFile !== null ? 'recorded' : 'empty',
    failure: t.failure,
    startOffsetMs,
    durationMs: t.outTimeMs ?? probedDurationMs ?? measured,
    streamIndex: inFile,
  };
}
