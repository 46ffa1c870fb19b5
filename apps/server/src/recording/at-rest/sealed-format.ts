// Consulta's sealed-file format for recordings at rest (docs/recording.md, "Encrypted at rest"). Node's built-in
// AES-256-GCM does the cryptography; the chunk framing around it is the product's own format (what a chunk is, how
// its nonce and additional data are formed, how the end of the file is marked), so there is no library to take it
// from, and it stays small enough to read here.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DATA_KEY_BYTES, type Keyring, WRAPPED_KEY_BYTES } from './keyring.ts';

/** Plaintext bytes per chunk; the last chunk holds fewer (possibly none), which is how the end is recognised. */
export const CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const SALT_BYTES = 12;
/** A full sealed chunk on disk: ciphertext and GCM tag. */
export const RECORD_BYTES = CHUNK_BYTES + TAG_BYTES;
/** Not an EBML (1A 45 DF A3) or any media magic: a sealed file is never mistaken for a playable one. */
export const MAGIC = Buffer.from('CNSLSEAL', 'ascii');
const VERSION = 1;

export type SealedFileErrorCode = 'NOT_SEALED' | 'UNKNOWN_KEY' | 'TAMPERED' | 'TRUNCATED';

/** A sealed file that cannot be opened; nothing of the failing chunk has been passed on. */
export class SealedFileError extends Error {
  override name = 'SealedFileError';
  constructor(
    readonly code: SealedFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Header: magic (8) | version (1) | key id length (1) | key id | salt (12) | wrapped data key (60).
 * The bytes before the wrapped key are the wrap's additional data.
 */
function headerContext(keyId: string, salt: Buffer): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  return Buffer.concat([MAGIC, Buffer.from([VERSION, id.length]), id, salt]);
}

/** Nonce of chunk `index`: the file's salt with the counter XORed into its last 8 bytes (unique per chunk). */
function chunkNonce(salt: Buffer, index: bigint): Buffer {
  const nonce = Buffer.from(salt);
  const tail = nonce.readBigUInt64BE(SALT_BYTES - 8) ^ index;
  nonce.writeBigUInt64BE(tail, SALT_BYTES - 8);
  return nonce;
}

/** Additional data of a chunk: its index and whether it is the last, so reordering and truncation fail the tag. */
function chunkAad(index: bigint, final: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(index);
  aad[8] = final ? 1 : 0;
  return aad;
}

/**
 * Encrypts what is written to it into the sealed format under a fresh random data key, 64 KiB at a time (memory
 * stays at about one chunk whatever the file's size). `digest()` after the end: size and SHA-256 of the plaintext.
 */
export class SealStream extends Transform {
  private readonly dataKey = randomBytes(DATA_KEY_BYTES);
  private readonly salt = randomBytes(SALT_BYTES);
  private readonly hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0n;
  private plainBytes = 0;
  private result: { sizeBytes: number; sha256: string } | null = null;

  constructor(keyring: Keyring) {
    super();
    this.push(sealedHeader(keyring, this.dataKey, this.salt));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.plainBytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    // Strictly more than a chunk: the final chunk must stay shorter than a full one, so keep at least one byte back.
    while (this.pendingBytes > CHUNK_BYTES) this.push(this.seal(this.takePending(CHUNK_BYTES), false));
    done();
  }

  override _flush(done: TransformCallback): void {
    while (this.pendingBytes >= CHUNK_BYTES) this.push(this.seal(this.takePending(CHUNK_BYTES), false));
    this.push(this.seal(this.takePending(this.pendingBytes), true));
    this.result = { sizeBytes: this.plainBytes, sha256: this.hash.digest('hex') };
    this.dataKey.fill(0);
    done();
  }

  /** Plaintext size and SHA-256; available once the stream has ended. */
  digest(): { sizeBytes: number; sha256: string } {
    if (!this.result) throw new Error('SealStream.digest() before the end of the stream');
    return this.result;
  }

  private takePending(n: number): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = n < all.length ? [all.subarray(n)] : [];
    this.pendingBytes = all.length - n;
    return all.subarray(0, n);
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.dataKey, chunkNonce(this.salt, this.index));
    cipher.setAAD(chunkAad(this.index++, final));
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }
}

/**
 * Decrypts the sealed format. Each chunk is passed on only after its tag verified, so a reader gets a verified
 * prefix of the plaintext and then a SealedFileError: never altered bytes. The end must be the final-flagged chunk.
 */
export class OpenStream extends Transform {
  private buffered: Buffer = Buffer.alloc(0);
  private dataKey: Buffer | null = null;
  private salt: Buffer | null = null;
  private index = 0n;
  private ended = false;

  constructor(private readonly keyring: Keyring) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    try {
      if (!this.dataKey && !this.readHeader()) {
        done();
        return;
      }
      // Strictly more than a record: a full-size record followed by nothing would be a truncated file.
      let offset = 0;
      while (this.buffered.length - offset > RECORD_BYTES) {
        this.push(this.open(this.buffered.subarray(offset, offset + RECORD_BYTES), false));
        offset += RECORD_BYTES;
      }
      this.buffered = this.buffered.subarray(offset);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.dataKey) {
        if (this.buffered.length > 0 && !this.readHeader()) throw truncated('the header is incomplete');
        if (!this.dataKey) throw truncated('the file is empty');
      }
      const rest = this.buffered;
      if (rest.length < TAG_BYTES) throw truncated('the last chunk is cut short');
      if (rest.length === RECORD_BYTES) {
        // A full chunk can never be the last one: the file ends before its final chunk.
        this.open(rest, false);
        throw truncated('the file ends before its final chunk');
      }
      this.push(this.open(rest, true));
      this.ended = true;
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** Whether the whole file verified, its final chunk included. */
  get complete(): boolean {
    return this.ended;
  }

  /** Parses the header once it is all buffered; false while more bytes are needed. */
  private readHeader(): boolean {
    const header = parseHeader(this.buffered, this.keyring);
    if (!header) return false;
    this.dataKey = header.dataKey;
    this.salt = header.salt;
    this.buffered = this.buffered.subarray(header.length);
    return true;
  }

  private open(record: Buffer, final: boolean): Buffer {
    const cut = record.length - TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', this.dataKey!, chunkNonce(this.salt!, this.index));
    decipher.setAAD(chunkAad(this.index, final));
    decipher.setAuthTag(record.subarray(cut));
    try {
      const plain = Buffer.concat([decipher.update(record.subarray(0, cut)), decipher.final()]);
      this.index++;
      return plain;
    } catch {
      throw new SealedFileError(
        'TAMPERED',
        `chunk ${this.index} does not verify (altered, reordered or cut short)`,
      );
    }
  }
}

/** A sealed file's header, its data key unwrapped. */
export interface SealedHeader {
  keyId: string;
  salt: Buffer;
  dataKey: Buffer;
  /** Bytes of the header: the first chunk follows. */
  length: number;
}

/**
 * Parses the header at the start of `b`: null while more bytes are needed (at most 146), a SealedFileError for
 * a file that is not sealed, a key that is not configured, or a header that was altered.
 */
export function parseHeader(b: Buffer, keyring: Keyring): SealedHeader | null {
  const seen = Math.min(b.length, MAGIC.length);
  if (!b.subarray(0, seen).equals(MAGIC.subarray(0, seen)) || (b.length > MAGIC.length && b[8] !== VERSION)) {
    throw new SealedFileError('NOT_SEALED', 'not a sealed recording (wrong magic or version)');
  }
  if (b.length < MAGIC.length + 2) return null;
  const idLength = b[9]!;
  const saltAt = MAGIC.length + 2 + idLength;
  const end = saltAt + SALT_BYTES + WRAPPED_KEY_BYTES;
  if (b.length < end) return null;
  const keyId = b.subarray(MAGIC.length + 2, saltAt).toString('utf8');
  if (!keyring.has(keyId)) {
    throw new SealedFileError('UNKNOWN_KEY', `sealed under master key "${keyId}", which is not configured`);
  }
  const salt = Buffer.from(b.subarray(saltAt, saltAt + SALT_BYTES));
  const dataKey = keyring.unwrap(
    keyId,
    b.subarray(saltAt + SALT_BYTES, end),
    b.subarray(0, saltAt + SALT_BYTES),
  );
  if (!dataKey)
    throw new SealedFileError('TAMPERED', 'the wrapped data key does not verify (header altered)');
  return { keyId, salt, dataKey, length: end };
}

/** The header of a file with this data key and salt, wrapped under the keyring's current master key. */
export function sealedHeader(keyring: Keyring, dataKey: Buffer, salt: Buffer): Buffer {
  const context = headerContext(keyring.currentId, salt);
  return Buffer.concat([context, keyring.wrap(dataKey, context)]);
}

/** The most a header takes: a reader that has this many bytes (or the whole file) can parse it. */
export const MAX_HEADER_BYTES = MAGIC.length + 2 + 255 + SALT_BYTES + WRAPPED_KEY_BYTES;

const truncated = (why: string) => new SealedFileError('TRUNCATED', `truncated sealed recording: ${why}`);
