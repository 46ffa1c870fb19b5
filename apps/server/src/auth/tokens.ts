import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe: session and invite tokens. Only their hashes are stored. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** SHA-256 is enough for stored tokens: they are random, so there is nothing to brute-force. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
