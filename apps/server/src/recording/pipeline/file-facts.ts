import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { runBounded } from './run-bounded.ts';

const PROBE_TIMEOUT_MS = 30_000;

export interface ProbedStream {
  index: number;
  codecType: string;
  codecName: string;
  tags: Record<string, string>;
}

export interface MediaFacts {
  /** From the container; null when it does not say (e.g. a track whose FFmpeg was killed). */
  durationMs: number | null;
  streams: ProbedStream[];
}

/**
 * What ffprobe says about a media file, or about a stream of one (`Readable`, read through stdin: a decrypted
 * track); null when it cannot read it.
 */
export async function probeMedia(ffprobePath: string, file: string | Readable): Promise<MediaFacts | null> {
  const fromStream = typeof file !== 'string';
  const run = await runBounded(
    ffprobePath,
    [
      '-v',
      'error',
      '-show_entries',
      'format=duration:stream=index,codec_type,codec_name:stream_tags',
      '-of',
      'json',
      fromStream ? 'pipe:0' : file,
    ],
    PROBE_TIMEOUT_MS,
    fromStream ? file : undefined,
  );
  if (run.code !== 0) return null;
  try {
    const parsed = JSON.parse(run.stdout) as {
      format?: { duration?: string };
      streams?: Array<{
        index: number;
        codec_type?: string;
        codec_name?: string;
        tags?: Record<string, string>;
      }>;
    };
    const seconds = Number(parsed.format?.duration);
    return {
      durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : null,
      streams: (parsed.streams ?? []).map((s) => ({
        index: s.index,
        codecType: s.codec_type ?? 'unknown',
        codecName: s.codec_name ?? 'unknown',
        tags: s.tags ?? {},
      })),
    };
  } catch {
    return null;
  }
}

/** Size and hex SHA-256 of a file, read as a stream (recordings can be large). */
export async function fileDigest(file: string): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { sizeBytes: (await stat(file)).size, sha256: hash.digest('hex') };
}

/** ffprobe beside the configured ffmpeg (same package, same directory). */
export function ffprobeBeside(ffmpegPath: string): string {
  const slash = ffmpegPath.lastIndexOf('/');
  const dir = ffmpegPath.slice(0, slash + 1);
  const name = ffmpegPath.slice(slash + 1).replace(/ffmpeg/, 'ffprobe');
  return `${dir}${name === ffmpegPath.slice(slash + 1) ? 'ffprobe' : name}`;
}
