import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Keyring } from './keyring.ts';
import {
  MAX_HEADER_BYTES,
  OpenStream,
  parseHeader,
  SealedFileError,
  SealStream,
  sealedHeader,
} from './sealed-format.ts';

/** Seals `source` into `file` as it comes (with backpressure); size and SHA-256 are of the plaintext. */
export async function sealToFile(
  source: Readable,
  file: string,
  keyring: Keyring,
): Promise<{ sizeBytes: number; sha256: string }> {
  const seal = new SealStream(keyring);
  await pipeline(source, seal, createWriteStream(file, { mode: 0o600 }));
  return seal.digest();
}

/**
 * The plaintext of a sealed file as a stream. Each chunk is authenticated before it is emitted; a damaged file
 * ends the stream with a SealedFileError after the last good chunk.
 */
export function openSealedFile(file: string, keyring: Keyring): OpenStream {
  const open = new OpenStream(keyring);
  const raw = createReadStream(file);
  raw.once('error', (err) => open.destroy(err));
  open.once('close', () => raw.destroy());
  raw.pipe(open);
  return open;
}

/** Reads a sealed file through to its end: plaintext size and SHA-256, or a SealedFileError (or an I/O error). */
export async function verifySealedFile(
  file: string,
  keyring: Keyring,
): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  await pipeline(createReadStream(file), new OpenStream(keyring), async (plain: AsyncIterable<Buffer>) => {
    for await (const chunk of plain) {
      hash.update(chunk);
      sizeBytes += chunk.length;
    }
  });
  return { sizeBytes, sha256: hash.digest('hex') };
}

/**
 * Re-wraps a sealed file's data key under the keyring's current master key, so the key it was sealed under can
 * be retired. Only the header changes (the chunks are encrypted under the data key, which stays, and the chunk
 * format does not involve the header); the new file is written beside the old, synced and renamed over it, so a
 * crash leaves one or the other whole. 'current' when it is already under the current key.
 */
export async function rewrapSealedFile(file: string, keyring: Keyring): Promise<'rewrapped' | 'current'> {
  const handle = await open(file, 'r');
  let bytes: Buffer;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(MAX_HEADER_BYTES), 0, MAX_HEADER_BYTES, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const header = parseHeader(bytes, keyring);
  if (!header) throw new SealedFileError('TRUNCATED', 'truncated sealed recording: the header is incomplete');
  if (header.keyId === keyring.currentId) return 'current';
  const next = `${file}.rewrap`;
  try {
    await pipeline(
      async function* () {
        yield sealedHeader(keyring, header.dataKey, header.salt);
        yield* createReadStream(file, { start: header.length });
      },
      createWriteStream(next, { mode: 0o600 }),
    );
    const written = await open(next, 'r+');
    try {
      await written.sync();
    } finally {
      await written.close();
    }
    await rename(next, file);
  } catch (err) {
    await rm(next, { force: true });
    throw err;
  }
  return 'rewrapped';
}
