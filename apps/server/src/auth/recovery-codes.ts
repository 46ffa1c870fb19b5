import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/index.ts';
import { hashToken } from './tokens.ts';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // 32 symbols, no 0/O or 1/I to misread
const COUNT = 10;

/**
 * Ten one-time codes for a lost authenticator. Each is 16 symbols of 5 bits (80 bits): long enough that their plain
 * SHA-256 in the database cannot be reversed by brute force, so no slow hash is needed.
 */
function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  const symbols = [...bytes].map((b) => ALPHABET[b % 32]).join('');
  return symbols.match(/.{4}/g)!.join('-');
}

/** What the user may type: case and dashes do not matter. */
const normalise = (code: string) => code.toUpperCase().replace(/-/g, '');

/** Replaces a user's recovery codes with new ones, returned once (only their hashes are kept). */
export async function replaceRecoveryCodes(prisma: PrismaClient, userId: string): Promise<string[]> {
  const codes = Array.from({ length: COUNT }, newRecoveryCode);
  await prisma.$transaction([
    prisma.recoveryCode.deleteMany({ where: { userId } }),
    prisma.recoveryCode.createMany({
      data: codes.map((c) => ({ userId, codeHash: hashToken(normalise(c)) })),
    }),
  ]);
  return codes;
}

/** Uses a recovery code up; false when it is not one of the user's unused codes. */
export async function useRecoveryCode(prisma: PrismaClient, userId: string, code: string): Promise<boolean> {
  const { count } = await prisma.recoveryCode.updateMany({
    where: { userId, codeHash: hashToken(normalise(code)), usedAt: null },
    data: { usedAt: new Date() },
  });
  return count === 1;
}
