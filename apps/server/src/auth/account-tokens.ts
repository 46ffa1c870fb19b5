import type { PrismaClient } from '../db/index.ts';
import { hashToken, newToken } from './tokens.ts';

/** What an account token is for; each kind is only ever accepted where it belongs. */
export type AccountTokenKind = 'INVITE' | 'RESET' | 'SIGN_IN_CHALLENGE' | 'ENROLMENT_CHALLENGE';

/**
 * Issues a single-use token for a staff account (256 random bits; only its SHA-256 is stored). Issuing one ends the
 * account's earlier unused tokens of the same kind, so only the newest emailed link works.
 */
export async function issueAccountToken(
  prisma: PrismaClient,
  userId: string,
  kind: AccountTokenKind,
  ttlMs: number,
): Promise<{ token: string; id: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  const now = new Date();
  const [, row] = await prisma.$transaction([
    prisma.accountToken.updateMany({ where: { userId, kind, usedAt: null }, data: { usedAt: now } }),
    prisma.accountToken.create({ data: { userId, kind, tokenHash: hashToken(token), expiresAt } }),
  ]);
  return { token, id: row.id, expiresAt };
}

/**
 * Uses a token up: returns its account's id, or null when it is unknown, of another kind, used or expired (callers
 * answer all of these alike). The update is conditional, so two concurrent uses cannot both succeed.
 */
export async function consumeAccountToken(
  prisma: PrismaClient,
  token: string,
  kind: AccountTokenKind,
): Promise<{ userId: string; tokenId: string } | null> {
  const row = await prisma.accountToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.kind !== kind || row.usedAt || row.expiresAt <= new Date()) return null;
  const { count } = await prisma.accountToken.updateMany({
    where: { id: row.id, usedAt: null },
    data: { usedAt: new Date() },
  });
  return count === 1 ? { userId: row.userId, tokenId: row.id } : null;
}
