// Synthetic participants for the SFU tests and benchmarks: ffmpeg encodes a short VP8 + Opus clip once, then each
// participant is an ffmpeg that replays that clip in real time (`-re -stream_loop -1 -c copy`) as RTP into
// PlainTransport producers on a mediasoup router, all on 127.0.0.1. Replaying a pre-encoded clip keeps the
// encoders' CPU out of the measurements; the clip's keyframe interval stands in for a browser answering PLIs
// (ffmpeg's RTP muxer ignores RTCP), so keep it short where time-to-first-frame matters.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import type * as Mediasoup from 'mediasoup';

export type Worker = Mediasoup.types.Worker;
export type Router = Mediasoup.types.Router;
export type Producer = Mediasoup.types.Producer;
export type Consumer = Mediasoup.types.Consumer;
export type PlainTransport = Mediasoup.types.PlainTransport;

export const LOOPBACK = '127.0.0.1';
const VIDEO_PT = 96;
const AUDIO_PT = 111;

/** What the recorder and the SFU negotiate on: Opus and VP8, as a Consulta router offers them. */
export const MEDIA_CODECS: Mediasoup.types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

/**
 * A mediasoup worker from the offline build (MEDIASOUP_WORKER_BIN, set by scripts/run-tests.mjs and bench/run.ts).
 * A worker that dies fails loudly through `onDied`.
 */
export async function startWorker(onDied: (err: Error) => void = () => {}): Promise<Worker> {
  const workerBin = process.env.MEDIASOUP_WORKER_BIN;
  if (!workerBin || !existsSync(workerBin)) {
    throw new Error(
      `MEDIASOUP_WORKER_BIN must name the built mediasoup worker (got ${workerBin ?? 'nothing'})`,
    );
  }
  const mediasoup = await import('mediasoup');
  const worker = await mediasoup.createWorker({ logLevel: 'warn', workerBin });
  worker.on('died', onDied);
  return worker;
}

export interface ClipOptions {
  /** Output file (.mkv). */
  path: string;
  seconds: number;
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  /** Seconds between keyframes. */
  keyframeSeconds: number;
}

/** Encodes a test-pattern VP8 video with a sine Opus audio track (constant bitrate, fixed keyframe interval). */
export async function encodeClip(o: ClipOptions): Promise<string> {
  const gop = Math.max(1, Math.round(o.keyframeSeconds * o.fps));
  const args = [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}:duration=${o.seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${o.seconds}`],
    ...['-map', '0:v', '-map', '1:a'],
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${o.videoKbps}k`],
    ...['-minrate', `${o.videoKbps}k`, '-maxrate', `${o.videoKbps}k`, '-g', String(gop)],
    ...['-keyint_min', String(gop), '-auto-alt-ref', '0', '-lag-in-frames', '0'],
    ...['-c:a', 'libopus', '-b:a', '48k', '-ac', '2', '-frame_duration', '20'],
    o.path,
  ];
  const { code, stderr } = await run('ffmpeg', args);
  if (code !== 0) throw new Error(`encoding the test clip failed (${code}): ${stderr}`);
  return o.path;
}

export interface RtpSourceOptions {
  router: Router;
  clipPath: string;
  video?: boolean;
  audio?: boolean;
  /** Extra producer appData, e.g. the participant it stands for. */
  appData?: Record<string, unknown>;
}

export interface RtpSource {
  video: Producer | null;
  audio: Producer | null;
  /** The replaying ffmpeg. */
  process: ChildProcess;
  /** Local ports of the producers' transports (where the worker receives this participant's RTP). */
  ports: number[];
  /** Stops the sender and closes its producers and transports (a participant leaving). Idempotent. */
  stop(): Promise<void>;
}

/** One participant: producers on comedia PlainTransports, fed by an ffmpeg replaying the clip in real time. */
export async function startRtpSource(o: RtpSourceOptions): Promise<RtpSource> {
  const transports: PlainTransport[] = [];
  const outputs: string[] = [];
  const produce = async (kind: 'audio' | 'video'): Promise<Producer> => {
    const transport = await o.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: LOOPBACK },
      rtcpMux: true,
      comedia: true,
    });
    transports.push(transport);
    const ssrc = randomInt(1, 2 ** 31);
    const payloadType = kind === 'video' ? VIDEO_PT : AUDIO_PT;
    const codec =
      kind === 'video'
        ? { mimeType: 'video/VP8', payloadType, clockRate: 90000 }
        : { mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2 };
    const producer = await transport.produce({
      kind,
      rtpParameters: { codecs: [codec], encodings: [{ ssrc }] },
      appData: o.appData ?? {},
    });
    // No sender reports (skip_rtcp): ffmpeg sends them from another local port, and with comedia the worker would
    // latch onto whichever packet comes first, then drop the RTP from the other port as unknown.
    const port = transport.tuple.localPort;
    outputs.push(
      ...['-map', kind === 'video' ? '0:v' : '0:a', '-c', 'copy', '-f', 'rtp', '-rtpflags', 'skip_rtcp'],
      ...['-payload_type', String(payloadType), '-ssrc', String(ssrc)],
      `rtp://${LOOPBACK}:${port}?rtcpport=${port}&pkt_size=1200`,
    );
    return producer;
  };
  const video = o.video === false ? null : await produce('video');
  const audio = o.audio === false ? null : await produce('audio');
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
      ...['-re', '-stream_loop', '-1', '-i', o.clipPath],
      ...outputs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let stopping: Promise<void> | null = null;
  return {
    video,
    audio,
    process: child,
    ports: transports.map((t) => t.tuple.localPort),
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        for (const t of transports) t.close();
      })();
      return stopping;
    },
  };
}

/** Runs a command to completion, collecting stdout and stderr. */
export function run(
  cmd: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
