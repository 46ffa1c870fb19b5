import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { types as ms } from 'mediasoup';
import { type Keyring, sealToFile } from '../at-rest/index.ts';
import { describeExit, type FfmpegExit, FfmpegProcess, PROGRESS_FD, within } from './ffmpeg-process.ts';
import { LOOPBACK, type PortPair, reservePortPair } from './ports.ts';
import { showsMedia } from './progress.ts';
import { sendRtcpBye } from './rtcp-bye.ts';
import { isRecordable, recorderRtpCapabilities, recorderSdp } from './sdp.ts';
import type {
  PortRange,
  RecordedSource,
  RecorderLog,
  RecordingFailure,
  RecordingFailureCode,
  TrackKind,
  VideoLayer,
} from './types.ts';
import { waitUntilBound } from './udp-listening.ts';

/** What every track of one recording shares. */
export interface TrackContext {
  router: ms.Router;
  ffmpegPath: string;
  workDir: string;
  ranges: { transports: PortRange; ffmpeg: PortRange };
  log: RecorderLog;
  listenTimeoutMs: number;
  stopTimeoutMs: number;
  keyFrameRequestIntervalMs: number;
  videoLayer: VideoLayer;
  /** Seals each track file as FFmpeg writes it (docs/recording.md, "Encrypted at rest"). */
  keyring: Keyring;
  /** Resolves when the recording begins (at once unless armed); tracks hold their consumers paused until then. */
  began: Promise<void>;
  onFirstMedia(track: TrackRecorder): void;
  onFailed(track: TrackRecorder, failure: RecordingFailure): void;
}

/** FFmpeg failing to bind is most likely a port taken in between: try again on other ports this often. */
const START_ATTEMPTS = 3;
/** FFmpeg binds in ~0.3 s here (0.75 s at a load of 10 on 2 cores); longer is logged, as a sign of a stalled host. */
const SLOW_LISTEN_MS = 2000;

/**
 * Milliseconds on the monotonic clock libuv reads (uv_hrtime), the same clock as the mediasoup worker's trace
 * timestamps, so first-packet times of all tracks (worker side) and of the recorder (Node side) compare directly.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/**
 * One producer recorded into its own Matroska stream: a PlainTransport on 127.0.0.1 sends the consumer's RTP to
 * an FFmpeg that copies it (`-c copy`, no re-encoding) to its stdout, which is sealed as it comes into
 * `<trackId>.mkv.enc` (no plaintext on disk). Never throws; what went wrong ends up in `failure`.
 */
export class TrackRecorder {
  readonly trackId: string;
  readonly producerId: string;
  readonly participantId: string;
  readonly displayName: string;
  readonly kind: TrackKind;
  readonly mimeType: string;
  readonly filePath: string;
  /** Worker clock: when the consumer sent its first packet to FFmpeg. Places the track on the file's timeline. */
  firstPacketAtMs: number | null = null;
  /** When FFmpeg listened (the track is ready; armed tracks wait for the recording to begin from here). */
  readyAtMs: number | null = null;
  /** When the consumer was resumed (the recording had begun and FFmpeg listened). */
  resumedAtMs: number | null = null;
  /** When FFmpeg reported the first media in its output. */
  firstMediaAtMs: number | null = null;
  /** FFmpeg's last reported output time: the track's duration (a piped Matroska stream carries none). */
  outTimeMs: number | null = null;
  stoppedAtMs: number | null = null;
  failure: RecordingFailure | null = null;
  /** Every FFmpeg started for this track (tests check none outlives the recording). */
  readonly pids: number[] = [];

  private readonly sdpPath: string;
  private transport: ms.PlainTransport | null = null;
  private consumer: ms.Consumer | null = null;
  private ffmpeg: FfmpegProcess | null = null;
  /** The current FFmpeg's stdout being sealed into `filePath`; settles after FFmpeg closed it. */
  private sealing: Promise<void> = Promise.resolve();
  private ports: PortPair | null = null;
  private keyFrameTimer: NodeJS.Timeout | null = null;
  /** FFmpeg of the current attempt bound its ports: from here on its exit is a failure, not a reason to retry. */
  private listening = false;
  private finishing = false;
  private readonly started: Promise<void>;
  /** Settles when the track is ready to record or will never be (failed, finishing). */
  readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private finished: Promise<void> | null = null;

  /** Resolves when finish() starts, so a track waiting for the recording to begin stops waiting. */
  private readonly finishingSignal: Promise<void>;
  private signalFinishing: () => void = () => {};

  constructor(
    private readonly ctx: TrackContext,
    private readonly source: RecordedSource,
    trackId: string,
  ) {
    this.finishingSignal = new Promise((resolve) => {
      this.signalFinishing = resolve;
    });
    this.trackId = trackId;
    this.producerId = source.producer.id;
    this.participantId = source.participantId;
    this.displayName = source.displayName;
    this.kind = source.producer.kind;
    this.mimeType = source.producer.rtpParameters.codecs[0]?.mimeType ?? 'unknown';
    this.filePath = path.join(ctx.workDir, `${trackId}.mkv.enc`);
    this.sdpPath = path.join(ctx.workDir, `${trackId}.sdp`);
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.started = this.start()
      .catch((err: unknown) => this.fail('TRANSPORT_FAILED', errorText(err)))
      .finally(() => this.markReady());
  }

  /** Ends the track (participant left, producer closed, recording stopped): FFmpeg finishes its file. Idempotent. */
  finish(): Promise<void> {
    this.finished ??= (async () => {
      this.finishing = true;
      this.signalFinishing();
      // Nothing after this moment reaches FFmpeg (a withdrawal of consent must cut at once, not when FFmpeg
      // gets round to the BYE); the BYE below still ends its input.
      const consumer = this.consumer;
      if (consumer && !consumer.closed) void consumer.pause().catch(() => undefined);
      await this.started;
      this.stopKeyFrameRequests();
      const ffmpeg = this.ffmpeg;
      if (ffmpeg && !ffmpeg.hasExited) {
        const ssrc = this.consumer?.rtpParameters.encodings?.[0]?.ssrc;
        if (this.ports && ssrc !== undefined) {
          await sendRtcpBye(this.ports.rtcpPort, ssrc).catch((err: unknown) =>
            this.ctx.log.warn({ trackId: this.trackId, err: errorText(err) }, 'recorder: RTCP BYE not sent'),
          );
        }
        const { exit, killed } = await ffmpeg.stop(this.ctx.stopTimeoutMs);
        if (killed) {
          this.fail(
            'FFMPEG_STUCK',
            `FFmpeg did not finish within ${this.ctx.stopTimeoutMs} ms of SIGINT and was killed (${describeExit(exit)}): ${ffmpeg.stderrTail.slice(-500)}`,
          );
        }
      }
      // FFmpeg has exited, so its stdout ends: the track file is sealed to its final chunk.
      await within(this.sealing, this.ctx.stopTimeoutMs);
      this.release();
      this.stoppedAtMs ??= monotonicMs();
      if (this.firstMediaAtMs === null && !this.failure && this.resumedAtMs !== null) {
        this.ctx.log.warn(
          {
            trackId: this.trackId,
            producerId: this.producerId,
            packetSent: this.firstPacketAtMs !== null,
            stderr: ffmpeg?.stderrTail.slice(-500),
          },
          'recorder: track ended without media',
        );
      }
    })();
    return this.finished;
  }

  private async start(): Promise<void> {
    const capabilities = recorderRtpCapabilities(this.ctx.router, this.mimeType);
    if (!isRecordable(this.mimeType) || !capabilities) {
      this.fail('UNSUPPORTED_CODEC', `${this.mimeType} cannot be recorded into WebM`);
      return;
    }
    for (let attempt = 1; attempt <= START_ATTEMPTS && !this.finishing; attempt++) {
      if ((await this.attempt(capabilities)) !== 'retry') return;
      this.ctx.log.warn({ trackId: this.trackId, attempt }, 'recorder: FFmpeg did not listen, retrying');
    }
    if (!this.finishing) {
      this.fail('FFMPEG_NOT_LISTENING', `FFmpeg did not bind its ports in ${START_ATTEMPTS} attempts`);
    }
  }

  /** One try at transport + consumer + FFmpeg; 'retry' when FFmpeg never got to listen on its ports. */
  private async attempt(capabilities: ms.RtpCapabilities): Promise<'ok' | 'failed' | 'retry'> {
    const ports = await reservePortPair(this.ctx.ranges.ffmpeg);
    if (!ports) return this.failed('PORTS_EXHAUSTED', 'no free port pair for FFmpeg in the configured range');
    this.ports = ports;
    const listenInfo = { protocol: 'udp', ip: LOOPBACK, portRange: this.ctx.ranges.transports } as const;
    try {
      this.transport = await this.ctx.router.createPlainTransport({
        listenInfo,
        rtcpListenInfo: listenInfo,
        rtcpMux: false,
        comedia: false,
      });
      await this.transport.connect({ ip: LOOPBACK, port: ports.rtpPort, rtcpPort: ports.rtcpPort });
      // Paused until FFmpeg listens, so the first packet it gets is not lost (for video: the first keyframe).
      this.consumer = await this.transport.consume({
        producerId: this.producerId,
        rtpCapabilities: capabilities,
        paused: true,
        ...this.preferredLayers(),
      });
    } catch (err) {
      this.release();
      return this.failed('TRANSPORT_FAILED', errorText(err));
    }
    const consumer = this.consumer;
    consumer.on('producerclose', () => void this.finish());
    this.transport.on('routerclose', () => void this.finish());

    const codec = consumer.rtpParameters.codecs[0]!;
    const sdp = recorderSdp({ kind: this.kind, address: LOOPBACK, ...ports, codec });
    try {
      await writeFile(this.sdpPath, sdp);
    } catch (err) {
      this.release();
      return this.failed('STORAGE_FAILED', errorText(err));
    }
    const ffmpeg = new FfmpegProcess(this.ctx.ffmpegPath, this.ffmpegArgs(), {
      onProgress: (block) => this.onProgress(block),
    });
    this.ffmpeg = ffmpeg;
    // A retry's FFmpeg starts after the previous one's stream was sealed (it rewrites the same file).
    this.sealing = sealToFile(ffmpeg.output, this.filePath, this.ctx.keyring).then(
      () => {},
      (err: unknown) => {
        if (!ffmpeg.hasExited) void ffmpeg.stop(this.ctx.stopTimeoutMs);
        this.fail('STORAGE_FAILED', `sealing the track file failed: ${errorText(err)}`);
      },
    );
    if (ffmpeg.pid !== undefined) this.pids.push(ffmpeg.pid);
    void ffmpeg.exited.then((exit) => this.onExit(ffmpeg, exit));

    const spawnedAt = monotonicMs();
    const listening = await waitUntilBound(
      ffmpeg.pid ?? -1,
      [ports.rtpPort, ports.rtcpPort],
      this.ctx.listenTimeoutMs,
      () => ffmpeg.hasExited || this.finishing,
    );
    if (this.finishing) return 'ok';
    this.listening = listening;
    if (!listening) {
      const { exit } = await ffmpeg.stop(this.ctx.stopTimeoutMs);
      await within(this.sealing, this.ctx.stopTimeoutMs);
      this.release();
      if (exit?.spawnError) return this.failed('FFMPEG_SPAWN_FAILED', describeExit(exit));
      this.ctx.log.warn(
        { trackId: this.trackId, exit: describeExit(exit), stderr: ffmpeg.stderrTail },
        'recorder: FFmpeg did not listen',
      );
      return 'retry';
    }

    const listenMs = monotonicMs() - spawnedAt;
    if (listenMs > SLOW_LISTEN_MS) {
      this.ctx.log.warn({ trackId: this.trackId, listenMs }, 'recorder: FFmpeg was slow to listen');
    }

    consumer.on('trace', (trace) => {
      if (trace.type !== 'rtp' || this.firstPacketAtMs !== null) return;
      this.firstPacketAtMs = trace.timestamp;
      consumer.enableTraceEvent([]).catch(() => {});
    });
    try {
      // Before waiting: a paused consumer sends nothing to trace, and at begin() only the resume is left to do.
      await consumer.enableTraceEvent(['rtp']);
    } catch (err) {
      if (consumer.closed) return 'ok';
      this.release();
      return this.failed('TRANSPORT_FAILED', errorText(err));
    }
    this.readyAtMs = monotonicMs();
    this.markReady();
    // Armed: nothing reaches FFmpeg before the recording begins (everyone consented).
    await Promise.race([this.ctx.began, this.finishingSignal]);
    if (this.finishing) return 'ok';
    try {
      // The worker handles requests in order: the keyframe request sent right behind the resume reaches an
      // active consumer, without waiting a round trip for the resume's answer first.
      const resumed = consumer.resume();
      if (this.kind === 'video') this.requestKeyFrames(consumer);
      await resumed;
    } catch (err) {
      // The producer or router closed in between: finish() (already triggered) cleans up.
      this.stopKeyFrameRequests();
      if (consumer.closed) return 'ok';
      this.release();
      return this.failed('TRANSPORT_FAILED', errorText(err));
    }
    this.resumedAtMs = monotonicMs();
    this.ctx.log.info(
      { trackId: this.trackId, producerId: this.producerId, kind: this.kind, rtpPort: ports.rtpPort },
      'recorder: track started',
    );
    return 'ok';
  }

  /**
   * Which simulcast layer to record. mediasoup's default is already the highest, but a consumer follows the
   * layers the producer sends at the moment, so the choice is stated here (and configurable, `videoLayer`).
   * Non-simulcast producers have a single layer and get no preference.
   */
  private preferredLayers(): { preferredLayers?: { spatialLayer: number } } {
    if (this.kind !== 'video') return {};
    const layers = this.source.producer.rtpParameters.encodings?.length ?? 1;
    if (layers <= 1) return {};
    const wanted = this.ctx.videoLayer === 'highest' ? layers - 1 : this.ctx.videoLayer;
    return { preferredLayers: { spatialLayer: Math.max(0, Math.min(layers - 1, wanted)) } };
  }

  private ffmpegArgs(): string[] {
    return [
      ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning'],
      ...['-protocol_whitelist', 'file,udp,rtp', '-localaddr', LOOPBACK],
      // The SDP gives the codec and the first packet is a keyframe (the consumer holds video back until one), which
      // gives VP8's size; skipping the frame-rate probe (fpsprobesize 0) saves ~1.5 s of buffering at the start.
      ...['-fpsprobesize', '0', '-f', 'sdp', '-i', this.sdpPath],
      ...['-map', '0', '-c', 'copy'],
      // Clusters of at most a second, flushed as written: if FFmpeg dies, the file holds all but the last second.
      ...['-f', 'matroska', '-cluster_time_limit', '1000', '-flush_packets', '1'],
      // Progress on fd 3; the media goes to stdout (non-seekable: no Duration or Cues in it, outTimeMs says).
      ...['-progress', `pipe:${PROGRESS_FD}`, '-stats_period', '0.05'],
      'pipe:1',
    ];
  }

  /**
   * The worker asks the producer for a keyframe when the consumer resumes; the request (or its answer) can be
   * lost, and until a keyframe arrives FFmpeg has nothing it may write, so ask again until the first frame is in.
   */
  private requestKeyFrames(consumer: ms.Consumer): void {
    const request = () => {
      consumer.requestKeyFrame().catch(() => {});
    };
    request();
    this.keyFrameTimer = setInterval(request, this.ctx.keyFrameRequestIntervalMs);
  }

  private stopKeyFrameRequests(): void {
    if (this.keyFrameTimer) clearInterval(this.keyFrameTimer);
    this.keyFrameTimer = null;
  }

  private onProgress(block: Record<string, string>): void {
    const outUs = Number(block.out_time_us);
    if (Number.isFinite(outUs) && outUs > 0) this.outTimeMs = Math.round(outUs / 1000);
    if (this.firstMediaAtMs !== null || !showsMedia(block, this.kind)) return;
    this.firstMediaAtMs = monotonicMs();
    this.stopKeyFrameRequests();
    this.ctx.onFirstMedia(this);
  }

  private onExit(ffmpeg: FfmpegProcess, exit: FfmpegExit): void {
    // Exits we caused (stop, a retry) are expected; one after FFmpeg listened is FFmpeg dying under us.
    if (ffmpeg !== this.ffmpeg || this.finishing || !this.listening) return;
    this.fail(
      'FFMPEG_EXITED',
      `FFmpeg ${describeExit(exit)} while recording: ${ffmpeg.stderrTail.slice(-500)}`,
    );
    this.stopKeyFrameRequests();
    this.stoppedAtMs = monotonicMs();
    void this.finish();
  }

  private release(): void {
    this.transport?.close();
    this.transport = null;
    this.consumer = null;
    this.ports?.release();
    this.ports = null;
  }

  private failed(code: RecordingFailureCode, message: string): 'failed' {
    this.fail(code, message);
    return 'failed';
  }

  /** Keeps the first failure (later ones are consequences), logs it and tells the session. */
  private fail(code: RecordingFailureCode, message: string): void {
    if (this.failure) return;
    this.failure = { code, message };
    this.ctx.log.error(
      { trackId: this.trackId, producerId: this.producerId, code, message },
      'recorder: track failed',
    );
    this.ctx.onFailed(this, this.failure);
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
