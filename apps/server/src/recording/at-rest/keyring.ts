import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Master keys by id; `current` wraps the data keys of new files, every listed key still opens old ones. */
export interface MasterKeys {
  current: string;
  /** Key id -> 32-byte key, base64 or base64url. */
  keys: Record<string, string>;
}

export const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A wrapped data key as stored in a file's header: IV, encrypted key, GCM tag. */
export const WRAPPED_KEY_BYTES = IV_BYTES + DATA_KEY_BYTES + TAG_BYTES;
const MAX_KEY_ID_BYTES = 64;

export class KeyringError extends Error {
  override name = 'KeyringError';
}

/**
 * The master keys recordings are sealed under (config `recording.masterKeys`). A data key is wrapped with
 * AES-256-GCM under the current master key; the header it is stored in is the wrap's additional data, so a
 * wrapped key moved to another file (or given another key id) does not unwrap.
 */
export class Keyring {
  readonly currentId: string;
  private readonly keys: Map<string, Buffer>;

  constructor(config: MasterKeys) {
    this.keys = new Map();
    for (const [id, text] of Object.entries(config.keys)) {
      const key = Buffer.from(text, 'base64');
      if (key.length !== DATA_KEY_BYTES) {
        throw new KeyringError(`recording master key "${id}" is not 32 bytes of base64`);
      }
      if (Buffer.byteLength(id) > MAX_KEY_ID_BYTES || id.length === 0) {
        throw new KeyringError(`recording master key id "${id}" must be 1-${MAX_KEY_ID_BYTES} bytes`);
      }
      this.keys.set(id, key);
    }
    if (!this.keys.has(config.current)) {
      throw new KeyringError(`recording.masterKeys.current "${config.current}" is not among the keys`);
    }
    this.currentId = config.current;
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Wraps `dataKey` under the current master key, bound to `context` (the file header before it). */
  wrap(dataKey: Buffer, context: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    cipher.setAAD(context);
    const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]);
  }

  /** The data key, or null when `keyId` is unknown or the wrapped key (or its context) was altered. */
  unwrap(keyId: string, wrapped: Buffer, context: Buffer): Buffer | null {
    const master = this.keys.get(keyId);
    if (!master || wrapped.length !== WRAPPED_KEY_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', master, wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(context);
    decipher.setAuthTag(wrapped.subarray(IV_BYTES + DATA_KEY_BYTES));
    try {
      return Buffer.concat([
        decipher.update(wrapped.subarray(IV_BYTES, IV_BYTES + DATA_KEY_BYTES)),
        decipher.final(),
      ]);
    } catch {
      return null;
    }
  }
}

/** A fresh master key, as config and var/secrets.json hold it. */
export const newMasterKey = (): string => randomBytes(DATA_KEY_BYTES).toString('base64');
