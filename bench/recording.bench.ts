// Consent complete -> first recorded frame, and stop -> file ready, through the real pipeline (mediasoup worker,
// PlainTransports, FFmpeg) as the server runs it: the recorder is armed while consent is pending (FFmpeg
// listening, consumers paused) and begin() is the moment the last participant agreed. One participant sending
// VP8 + Opus, replayed from a clip as RTP: it cannot answer the recorder's keyframe requests (a browser does,
// within a round trip and one encode), so the video figure includes waiting for the clip's next keyframe (uniform
// over its interval); the phases are reported separately so that wait can be read apart. The same run without
// arming (the recorder started at consent, as before) is the baseline row.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Keyring, newMasterKey } from '../apps/server/src/recording/at-rest/index.ts';
import { type FirstFrame, startRecorder } from '../apps/server/src/recording/pipeline/index.ts';
import { encodeClip, MEDIA_CODECS, startRtpSource, startWorker } from '../tests/support/rtp-source.ts';
import { type BenchReport, percentile } from './report.ts';

const RUNS = 7;
const KEYFRAME_SECONDS = 0.5;
/** How long each run records after its first video frame, before stop(). */
const RECORD_MS = 2000;
const PORTS = { min: 40000, max: 40999 };

interface Sample {
  audioMs: number;
  videoMs: number;
  /** consent -> the video consumer resumed (armed: FFmpeg already listening; else FFmpeg starts first). */
  videoReadyMs: number;
  /** resumed -> first video packet (a keyframe) sent to FFmpeg. */
  keyframeWaitMs: number;
  /** first video packet sent -> FFmpeg reports the frame in its file. */
  ffmpegMs: number;
  finaliseMs: number;
}

const keyring = new Keyring({ current: 'bench', keys: { bench: newMasterKey() } });
const quiet = { info: () => {}, warn: () => {}, error: (o: object, m: string) => console.error(m, o) };

export default async function run(): Promise<BenchReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'consulta-recording-bench-'));
  const worker = await startWorker((err) => console.error('mediasoup worker died', err));
  try {
    const clip = await encodeClip({
      path: path.join(dir, 'clip.mkv'),
      seconds: 8,
      width: 640,
      height: 360,
      fps: 30,
      videoKbps: 800,
      keyframeSeconds: KEYFRAME_SECONDS,
    });
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const source = await startRtpSource({ router, clipPath: clip });
    const samples: Sample[] = [];
    const baseline: Sample[] = [];
    const loadBefore = os.loadavg()[0]!;
    for (let i = 0; i < RUNS; i++) {
      for (const armed of [true, false]) {
        const session = await startRecorder({
          router,
          outputPath: path.join(dir, `run-${i}-${armed}.webm`),
          ffmpegPath: 'ffmpeg',
          portRange: PORTS,
          log: quiet,
          keyring,
          armed,
        });
        if (armed) {
          session.addProducer({ producer: source.video!, participantId: 'p', displayName: 'Participant' });
          session.addProducer({ producer: source.audio!, participantId: 'p', displayName: 'Participant' });
          await session.ready();
          session.begin(); // everyone consented
        } else {
          // Not armed: everything starts at consent (the FirstFrame times count from startRecorder()).
          session.addProducer({ producer: source.video!, participantId: 'p', displayName: 'Participant' });
          session.addProducer({ producer: source.audio!, participantId: 'p', displayName: 'Participant' });
        }
        const [video, audio] = await Promise.all([session.firstFrame('video'), session.firstFrame('audio')]);
        await sleep(RECORD_MS);
        const stopAt = performance.now();
        const result = await session.stop();
        const finaliseMs = performance.now() - stopAt;
        if (!result.ok || !video || !audio) throw new Error(`run ${i} failed: ${JSON.stringify(result)}`);
        (armed ? samples : baseline).push(phases(video, audio, finaliseMs));
      }
    }
    const loadAfter = os.loadavg()[0]!;
    await source.stop();

    // The worker's first-packet trace can reach Node after FFmpeg already reported the frame (a loaded machine):
    // those runs have no split of the video phases, so each row counts only the runs that measured it.
    const known = (values: number[]) => values.filter(Number.isFinite);
    const column = (pick: (s: Sample) => number) => known(samples.map(pick));
    const row = (label: string, values: number[]) => [
      label,
      values.length,
      percentile(values, 50),
      Math.min(...values),
      Math.max(...values),
    ];
    const median = (xs: Sample[], pick: (s: Sample) => number) => percentile(known(xs.map(pick)), 50);
    return {
      name: 'recording',
      results: {
        runs: RUNS,
        source: { video: 'VP8 640x360 30 fps 800 kbit/s', keyframeSeconds: KEYFRAME_SECONDS, audio: 'Opus' },
        loadAverage: { before: loadBefore, after: loadAfter },
        medianMs: {
          consentToFirstAudio: median(samples, (s) => s.audioMs),
          consentToFirstVideo: median(samples, (s) => s.videoMs),
          consentToVideoResumed: median(samples, (s) => s.videoReadyMs),
          keyframeWait: median(samples, (s) => s.keyframeWaitMs),
          firstVideoPacketToFile: median(samples, (s) => s.ffmpegMs),
          stopToFileReady: median(samples, (s) => s.finaliseMs),
          unarmedConsentToFirstVideo: median(baseline, (s) => s.videoMs),
        },
        samples,
        baseline,
      },
      tables: [
        {
          title: `Consent complete -> first frame in the file, and stop -> file ready, ${RUNS} runs (ms; source keyframe every ${KEYFRAME_SECONDS} s; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)})`,
          columns: ['phase', 'runs', 'median', 'min', 'max'],
          rows: [
            row(
              'consent -> first audio in file',
              column((s) => s.audioMs),
            ),
            row(
              'consent -> first video frame in file',
              column((s) => s.videoMs),
            ),
            row(
              '  consent -> video consumer resumed (armed)',
              column((s) => s.videoReadyMs),
            ),
            row(
              '  resumed -> keyframe sent (source-bound)',
              column((s) => s.keyframeWaitMs),
            ),
            row(
              '  keyframe sent -> in file (FFmpeg)',
              column((s) => s.ffmpegMs),
            ),
            row(
              `stop -> file ready (${RECORD_MS / 1000} s+ recording)`,
              column((s) => s.finaliseMs),
            ),
            row(
              'baseline, not armed: consent -> first video',
              baseline.map((s) => s.videoMs),
            ),
          ],
        },
      ],
    };
  } finally {
    worker.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function phases(video: FirstFrame, audio: FirstFrame, finaliseMs: number): Sample {
  const ready = video.resumedElapsedMs ?? Number.NaN;
  const packet = video.firstPacketElapsedMs ?? Number.NaN;
  return {
    audioMs: audio.elapsedMs,
    videoMs: video.elapsedMs,
    videoReadyMs: ready,
    keyframeWaitMs: packet - ready,
    ffmpegMs: video.elapsedMs - packet,
    finaliseMs,
  };
}
