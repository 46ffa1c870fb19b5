import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import type { PrismaClient } from '../db/index.ts';
import { type AccountTokenKind, issueAccountToken } from './account-tokens.ts';
import { readSignInSettings } from './sign-in-settings.ts';
import { hashToken } from './tokens.ts';

/**
 * Between a right password and the code: a single-use SIGN_IN_CHALLENGE token (hashed at rest, a few minutes long)
 * in a signed httpOnly cookie scoped to /api/auth. The password is not asked again with the code, and the code
 * alone, without the password step just before, opens nothing. The same cookie carries an ENROLMENT_CHALLENGE when
 * two-factor is required and the account has none yet: it opens only the enrolment that ends in a session.
 */
export const challengeCookie = 'consulta_2fa';
const cookiePath = '/api/auth';

type ChallengeKind = Extract<AccountTokenKind, 'SIGN_IN_CHALLENGE' | 'ENROLMENT_CHALLENGE'>;

export async function startSecondFactor(
  ctx: AppContext,
  userId: string,
  reply: FastifyReply,
  kind: ChallengeKind = 'SIGN_IN_CHALLENGE',
): Promise<void> {
  const ttlMs = ctx.config.auth.secondFactorTtlSeconds * 1000;
  const { token, expiresAt } = await issueAccountToken(ctx.prisma, userId, kind, ttlMs);
  void reply.setCookie(challengeCookie, token, {
    path: cookiePath,
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.server.publicUrl.startsWith('https:'),
    signed: true,
    expires: expiresAt,
  });
}

export type NextSignInStep = 'second-factor' | 'two-factor-enrolment';

/**
 * After the first factor (a password, or a provider's sign-in whose own MFA is not trusted): the account's next
 * step, with its challenge cookie set. The code of an authenticator set up, or enrolling one when the clinic
 * requires two-factor for all staff (enrolment-sign-in.ts); null when the session may start now.
 */
export async function startNextSignInStep(
  ctx: AppContext,
  user: { id: string; totpEnabledAt: Date | null },
  reply: FastifyReply,
): Promise<NextSignInStep | null> {
  const next: NextSignInStep | null = user.totpEnabledAt
    ? 'second-factor'
    : (await readSignInSettings(ctx.prisma)).requireTwoFactor
      ? 'two-factor-enrolment'
      : null;
  if (next) {
    await startSecondFactor(
      ctx,
      user.id,
      reply,
      next === 'second-factor' ? 'SIGN_IN_CHALLENGE' : 'ENROLMENT_CHALLENGE',
    );
  }
  return next;
}

/** The pending challenge of this browser: its token row, or null when there is none, or it is used or expired. */
export async function pendingChallenge(
  prisma: PrismaClient,
  request: FastifyRequest,
  kind: ChallengeKind = 'SIGN_IN_CHALLENGE',
) {
  const raw = request.cookies[challengeCookie];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const row = await prisma.accountToken.findUnique({ where: { tokenHash: hashToken(unsigned.value) } });
  if (row?.kind !== kind || row.usedAt || row.expiresAt <= new Date()) return null;
  return row;
}

export function clearChallengeCookie(reply: FastifyReply): void {
  void reply.clearCookie(challengeCookie, { path: cookiePath });
}
