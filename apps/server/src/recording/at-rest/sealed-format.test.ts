// Unit tests of the sealed-file format: round trip at chunk boundaries, and every kind of damage (a flipped byte,
// a cut, reordered chunks, a wrong or missing master key) detected before any altered byte is passed on; and
// master-key rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { Keyring, newMasterKey } from './keyring.ts';
import { CHUNK_BYTES, OpenStream, SealedFileError, SealStream } from './sealed-format.ts';

const k1 = newMasterKey();
const k2 = newMasterKey();
const keyring = new Keyring({ current: 'k1', keys: { k1 } });

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Seals `plain`, fed in uneven pieces like a pipe delivers them. */
async function seal(plain: Buffer, ring = keyring): Promise<{ sealed: Buffer; stream: SealStream }> {
  const pieces: Buffer[] = [];
  for (let at = 0, n = 1; at < plain.length; at += n, n = (n * 7 + 13) % 70_000 || 1) {
    pieces.push(plain.subarray(at, at + n));
  }
  const stream = new SealStream(ring);
  const sealed = await collect(Readable.from(pieces).pipe(stream));
  return { sealed, stream };
}

/** What a reader gets before the error: the verified plaintext, and the error. */
async function open(
  sealed: Buffer,
  ring = keyring,
): Promise<{ plain: Buffer; error: SealedFileError | null }> {
  const parts: Buffer[] = [];
  const stream = new OpenStream(ring);
  // Pieces of odd sizes, so records straddle writes.
  const pieces: Buffer[] = [];
  for (let at = 0; at < sealed.length; at += 5000) pieces.push(sealed.subarray(at, at + 5000));
  try {
    for await (const part of Readable.from(pieces).pipe(stream)) parts.push(part as Buffer);
    return { plain: Buffer.concat(parts), error: null };
  } catch (err) {
    assert.ok(err instanceof SealedFileError, `expected a SealedFileError, got ${String(err)}`);
    return { plain: Buffer.concat(parts), error: err };
  }
}

const headerBytes = (sealed: Buffer, plainLength: number) =>
  sealed.length - plainLength - 16 * (Math.floor(plainLength / CHUNK_BYTES) + 1);

describe('sealed recording format', () => {
  for (const size of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 200_000]) {
    test(`round trip of ${size} bytes, with the plaintext's size and SHA-256`, async () => {
      const plain = randomBytes(size);
      const { sealed, stream } = await seal(plain);
      const { plain: back, error } = await open(sealed);
      assert.equal(error, null);
      assert.ok(back.equals(plain));
      const { createHash } = await import('node:crypto');
      assert.deepEqual(stream.digest(), {
        sizeBytes: size,
        sha256: createHash('sha256').update(plain).digest('hex'),
      });
      assert.ok(!sealed.includes(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])) || size > 0);
    });
  }

  test('the sealed bytes do not contain the plaintext', async () => {
    const plain = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(100_000, 'consulta')]);
    const { sealed } = await seal(plain);
    assert.ok(!sealed.includes(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])));
    assert.ok(!sealed.includes(Buffer.from('consultaconsulta')));
  });

  test('a flipped byte in any chunk is detected, and nothing of that chunk is passed on', async () => {
    const plain = randomBytes(3 * CHUNK_BYTES + 500);
    const { sealed } = await seal(plain);
    const header = headerBytes(sealed, plain.length);
    for (const chunk of [0, 1, 3]) {
      const bad = Buffer.from(sealed);
      bad[header + chunk * (CHUNK_BYTES + 16) + 100]! ^= 0x01;
      const { plain: got, error } = await open(bad);
      assert.equal(error?.code, 'TAMPERED', `chunk ${chunk}`);
      assert.equal(got.length, chunk * CHUNK_BYTES, 'only the chunks before the bad one');
      assert.ok(got.equals(plain.subarray(0, got.length)));
    }
  });

  test('a flipped byte in the header (key id, salt, wrapped key) is detected', async () => {
    const { sealed } = await seal(randomBytes(1000));
    for (const at of [9, 12, 20, 40, 70]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x80;
      const { plain, error } = await open(bad);
      assert.ok(error, `byte ${at}`);
      assert.equal(plain.length, 0);
    }
  });

  test('a file cut at a chunk boundary or inside a chunk is detected', async () => {
    const plain = randomBytes(2 * CHUNK_BYTES + 10);
    const { sealed } = await seal(plain);
    const header = headerBytes(sealed, plain.length);
    const atBoundary = await open(sealed.subarray(0, header + 2 * (CHUNK_BYTES + 16)));
    assert.equal(atBoundary.error?.code, 'TRUNCATED');
    assert.ok(atBoundary.plain.equals(plain.subarray(0, atBoundary.plain.length)), 'only a verified prefix');
    const inside = await open(sealed.subarray(0, sealed.length - 5));
    assert.ok(inside.error);
    const headerOnly = await open(sealed.subarray(0, 30));
    assert.equal(headerOnly.error?.code, 'TRUNCATED');
    const empty = await open(Buffer.alloc(0));
    assert.equal(empty.error?.code, 'TRUNCATED');
  });

  test('reordered chunks are detected', async () => {
    const plain = randomBytes(3 * CHUNK_BYTES + 10);
    const { sealed } = await seal(plain);
    const header = headerBytes(sealed, plain.length);
    const record = CHUNK_BYTES + 16;
    const chunk = (i: number) => sealed.subarray(header + i * record, header + (i + 1) * record);
    const swapped = Buffer.concat([
      sealed.subarray(0, header),
      chunk(1),
      chunk(0),
      sealed.subarray(header + 2 * record),
    ]);
    const { plain: got, error } = await open(swapped);
    assert.equal(error?.code, 'TAMPERED');
    assert.equal(got.length, 0);
    // A chunk copied from another file sealed under the same master key does not fit either.
    const other = await seal(randomBytes(plain.length));
    const spliced = Buffer.concat([sealed.subarray(0, header), other.sealed.subarray(header)]);
    assert.equal((await open(spliced)).error?.code, 'TAMPERED');
  });

  test('a file that is not sealed, or plain media, is refused', async () => {
    const { error } = await open(Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), randomBytes(500)]));
    assert.equal(error?.code, 'NOT_SEALED');
  });

  test('a wrong master key with the same id, or a missing key id, cannot open the file', async () => {
    const { sealed } = await seal(randomBytes(1000));
    const wrong = await open(sealed, new Keyring({ current: 'k1', keys: { k1: k2 } }));
    assert.equal(wrong.error?.code, 'TAMPERED');
    const missing = await open(sealed, new Keyring({ current: 'k2', keys: { k2 } }));
    assert.equal(missing.error?.code, 'UNKNOWN_KEY');
  });

  test('rotation: a file sealed under key 1 opens after key 2 is added and made current', async () => {
    const plain = randomBytes(CHUNK_BYTES + 77);
    const old = await seal(plain, new Keyring({ current: 'k1', keys: { k1 } }));
    const rotated = new Keyring({ current: 'k2', keys: { k1, k2 } });
    const fresh = await seal(plain, rotated);
    assert.ok((await open(old.sealed, rotated)).plain.equals(plain));
    assert.ok((await open(fresh.sealed, rotated)).plain.equals(plain));
    // The new file is under key 2: without key 2 it cannot be opened.
    assert.equal(
      (await open(fresh.sealed, new Keyring({ current: 'k1', keys: { k1 } }))).error?.code,
      'UNKNOWN_KEY',
    );
  });

  test('a keyring refuses a short key or a current id it does not hold', () => {
    assert.throws(() => new Keyring({ current: 'a', keys: { a: 'c2hvcnQ=' } }), /32 bytes/);
    assert.throws(() => new Keyring({ current: 'b', keys: { a: k1 } }), /not among the keys/);
  });
});
