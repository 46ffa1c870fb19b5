import { pipeline } from 'node:stream/promises';
import { type Keyring, openSealedFile, SealedFileError, sealToFile } from '../at-rest/index.ts';
import { describeExit, FfmpegProcess } from './ffmpeg-process.ts';
import { type RemuxInput, type RemuxPlan, remuxPlan } from './remux.ts';

export type RemuxOutcome =
  | { ok: true; plan: RemuxPlan; sizeBytes: number; sha256: string; outTimeMs: number | null }
  | { ok: false; message: string };

/**
 * Runs the remux with no plaintext on disk: each sealed track is decrypted into its own input pipe (with
 * backpressure: FFmpeg reads the inputs at its own pace, and Node holds about a chunk per input), and the WebM
 * FFmpeg writes to stdout is sealed into `sealedOut` as it comes, hashed on the way (the SHA-256 is of the
 * plaintext). Never rejects.
 */
export async function runRemux(options: {
  ffmpegPath: string;
  inputs: RemuxInput[];
  sealedOut: string;
  keyring: Keyring;
  timeoutMs: number;
}): Promise<RemuxOutcome> {
  const plan = remuxPlan(options.inputs);
  let outTimeMs: number | null = null;
  const ffmpeg = new FfmpegProcess(options.ffmpegPath, plan.args, {
    inputPipes: options.inputs.length,
    onProgress: (block) => {
      const us = Number(block.out_time_us);
      if (Number.isFinite(us) && us > 0) outTimeMs = Math.round(us / 1000);
    },
  });
  let inputFailure: string | null = null;
  const feeding = options.inputs.map((input, i) =>
    pipeline(openSealedFile(input.path, options.keyring), ffmpeg.inputs[i]!).catch((err: unknown) => {
      // FFmpeg closing its end early shows in its exit; a track that does not decrypt is the remux's failure.
      if (err instanceof SealedFileError) inputFailure ??= `track ${input.trackId}: ${err.message}`;
      ffmpeg.inputs[i]?.destroy();
    }),
  );
  const sealing = sealToFile(ffmpeg.output, options.sealedOut, options.keyring).then(
    (digest) => ({ digest, error: null }),
    (err: unknown) => ({ digest: null, error: err instanceof Error ? err.message : String(err) }),
  );
  const { exit, killed } = await ffmpeg.finish(options.timeoutMs);
  // FFmpeg is gone: a feeder still waiting to write into its pipe stops here instead of waiting forever.
  for (const input of ffmpeg.inputs) input.destroy();
  await Promise.all(feeding);
  const sealed = await sealing;
  if (killed) return { ok: false, message: `timed out after ${options.timeoutMs} ms` };
  if (inputFailure) return { ok: false, message: inputFailure };
  if (exit?.code !== 0) return { ok: false, message: `FFmpeg ${describeExit(exit)}: ${ffmpeg.stderrTail}` };
  if (!sealed.digest) return { ok: false, message: `sealing the file failed: ${sealed.error}` };
  return { ok: true, plan, ...sealed.digest, outTimeMs };
}
