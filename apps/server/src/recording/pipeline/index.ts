// The recording pipeline: mediasoup producers -> PlainTransports on 127.0.0.1 -> one FFmpeg per producer copying
// RTP into a Matroska track file -> on stop, one WebM per consultation. Design and failure handling:
// docs/recording.md.
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { ffprobeBeside } from './file-facts.ts';
import { RecordingSession, type ResolvedRecorderOptions } from './session.ts';
import type { RecorderOptions, RecordingFailure } from './types.ts';

export { ENDED_TAG, MIXED_AUDIO_TITLE, PARTICIPANT_TAG, TRACK_TAG } from './remux.ts';
export type { RecorderProcess, RecordingSession, RecordingSessionEvents } from './session.ts';
export type * from './types.ts';

/** The port range must give each half (transports, FFmpeg) at least two RTP/RTCP pairs. */
const MIN_PORTS = 8;

/**
 * Starts recording on `router`; add producers to it as participants produce. Never rejects: a recording that
 * cannot be prepared (unwritable directory, unusable port range) is returned already failed, and its `stop()`
 * says why.
 */
export async function startRecorder(options: RecorderOptions): Promise<RecordingSession> {
  const o: ResolvedRecorderOptions = {
    ffprobePath: ffprobeBeside(options.ffmpegPath),
    // Only an FFmpeg that is alive but has not bound gets this long (one that exits, its port taken, is retried at
    // once). Killing a slow one and starting another only starts over: a CI run saw four FFmpegs not yet past
    // start-up after 5 s on a stalled machine, and their retries made the recording's first seconds miss.
    listenTimeoutMs: 20_000,
    stopTimeoutMs: 10_000,
    finaliseTimeoutMs: 600_000,
    keyFrameRequestIntervalMs: 1000,
    armed: false,
    videoLayer: 'highest',
    ...options,
  };
  const outputDir = path.dirname(o.outputPath);
  let failure: RecordingFailure | null = null;
  let workDir = '';
  if (o.portRange.max - o.portRange.min + 1 < MIN_PORTS) {
    failure = {
      code: 'PORTS_EXHAUSTED',
      message: `port range ${o.portRange.min}-${o.portRange.max} is smaller than ${MIN_PORTS} ports`,
    };
  } else {
    try {
      await mkdir(outputDir, { recursive: true });
      // Next to the output, so the finished file is renamed into place (same filesystem), never half-visible.
      workDir = await mkdtemp(path.join(outputDir, `.${path.basename(o.outputPath)}.parts-`));
    } catch (err) {
      failure = { code: 'STORAGE_FAILED', message: err instanceof Error ? err.message : String(err) };
    }
  }
  if (failure) o.log.error({ failure, outputPath: o.outputPath }, 'recorder: cannot start');
  return new RecordingSession(o, workDir, failure);
}
