// Test helpers for recordings sealed at rest: a throwaway master key, reading a sealed recording back to a
// plaintext file for ffprobe (in the test's own scratch directory, never the recordings directory), and scanning
// a directory for media headers.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Keyring, newMasterKey, openSealedFile } from '../../apps/server/src/recording/at-rest/index.ts';

export const testMasterKeys = () => ({ current: 'test-1', keys: { 'test-1': newMasterKey() } });
export const testKeyring = () => new Keyring(testMasterKeys());

/** Decrypts a sealed recording into `plainPath` (throws a SealedFileError on a damaged file). */
export async function unsealTo(sealedPath: string, keyring: Keyring, plainPath: string): Promise<string> {
  await pipeline(openSealedFile(sealedPath, keyring), createWriteStream(plainPath));
  return plainPath;
}

/** EBML's magic: every Matroska and WebM file begins with it. */
export const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const EBML_VERSION_ID = Buffer.from([0x42, 0x86]);

/**
 * Whether `bytes` hold an EBML header anywhere: the magic followed, after its size (1-8 bytes), by the EBMLVersion
 * element FFmpeg writes first. Requiring both keeps random ciphertext (the magic alone turns up about once per
 * 4 GiB) from counting.
 */
export function hasMediaHeader(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(EBML_MAGIC); at >= 0; at = bytes.indexOf(EBML_MAGIC, at + 1)) {
    const after = bytes.subarray(at + 4, at + 4 + 11);
    if (after.includes(EBML_VERSION_ID)) return true;
  }
  return false;
}

/**
 * Every file under `dir` (recursively) that contains a Matroska/WebM header anywhere. Files vanish while a
 * recorder works (working files are removed); those are skipped.
 */
export async function filesWithMediaHeader(dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesWithMediaHeader(full)));
    else if (entry.isFile()) {
      const bytes = await readFile(full).catch(() => null);
      if (bytes && hasMediaHeader(bytes)) found.push(full);
    }
  }
  return found;
}

/**
 * How long a media file's content lasts: the end of its last packet. The recorder writes its WebM to a pipe (never
 * plaintext on disk), so the file has no Duration element for ffprobe's format=duration.
 */
export function mediaExtentMs(file: string): number {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  let end = 0;
  for (const line of r.stdout.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (Number.isFinite(pts))
      end = Math.max(end, (pts! + (Number.isFinite(duration) ? duration! : 0)) * 1000);
  }
  return end;
}

/**
 * Each stream's first and last packet time and its largest step between packets (ms), as "index: first..end
 * (largest step)": when a file is longer than its recording, this says which stream is, and whether it starts
 * late (an offset) or jumps inside (its timestamps).
 */
export function streamExtents(file: string): string {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'packet=stream_index,pts_time', '-of', 'csv=p=0', file],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) return `ffprobe failed: ${r.stderr}`;
  const streams = new Map<number, { first: number; last: number; step: number }>();
  for (const line of r.stdout.split('\n')) {
    const [index, pts] = line.split(',').map(Number);
    if (!Number.isFinite(index) || !Number.isFinite(pts)) continue;
    const ms = pts! * 1000;
    const s = streams.get(index!);
    if (!s) streams.set(index!, { first: ms, last: ms, step: 0 });
    else {
      s.step = Math.max(s.step, ms - s.last);
      s.last = ms;
    }
  }
  return [...streams]
    .map(([i, s]) => `${i}: ${s.first.toFixed(0)}..${s.last.toFixed(0)} (step ${s.step.toFixed(0)})`)
    .join('; ');
}
