import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Keyring } from './keyring.ts';
import { OpenStream, SealStream } from './sealed-format.ts';

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
