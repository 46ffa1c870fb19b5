import { ErrorCode, type SignInBody, type StaffUser } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { aboutUser, recordAudit } from '../audit/record.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { waitWords } from '../limits/index.ts';
import { dummyPasswordHash, verifyPassword } from './password.ts';
import { startNextSignInStep } from './second-factor-challenge.ts';
import { startStaffSession } from './start-staff-session.ts';

/**
 * Staff sign-in with email and password, within the guessing limits (SignInGuard). Starts a session, or, for an
 * account with two-factor sign-in, a short-lived challenge that the second-factor route completes, or, when the
 * clinic requires two-factor and the account has none, one that only opens enrolment.
 */
export async function signIn(
  ctx: AppContext,
  request: { body: SignInBody; ip: string; headers: Record<string, string | string[] | undefined> },
  reply: FastifyReply,
): Promise<StaffUser> {
  const { prisma, signInGuard } = ctx;
  const email = request.body.email.toLowerCase();
  const verdict = await signInGuard.admit(email, request.ip);
  if (!verdict.ok) {
    await recordAudit(prisma, {
      action: 'auth.sign_in',
      actor: { kind: 'anonymous' },
      targetType: 'user',
      ip: request.ip,
      outcome: 'denied',
      details: { email, reason: 'rate_limited', retryAfterSeconds: verdict.retryAfterSeconds },
    });
    void reply.header('retry-after', String(verdict.retryAfterSeconds));
    throw new AppError(
      ErrorCode.RateLimited,
      `Too many sign-in attempts; try again in ${waitWords(verdict.retryAfterSeconds)}`,
    );
  }
  const user = await prisma.user.findUnique({ where: { email } });
  // The same scrypt work whether or not the account exists, has a password (an invited person, an SSO-only
  // account) or is deactivated: the answer and its timing say nothing about which.
  const ok = await verifyPassword(request.body.password, user?.passwordHash ?? (await dummyPasswordHash));
  if (!user || !ok || !user.passwordHash || user.deactivatedAt) {
    await signInGuard.failed(email, request.ip);
    await recordAudit(prisma, {
      action: 'auth.sign_in',
      actor: { kind: 'anonymous' },
      ...aboutUser(user?.id),
      ip: request.ip,
      outcome: 'failed',
      details: { email, ...(user?.deactivatedAt && ok ? { reason: 'deactivated' } : {}) },
    });
    throw new AppError(ErrorCode.InvalidCredentials, 'Email or password is wrong');
  }
  await signInGuard.succeeded(email, request.ip, verdict.token);
  // The password was right; a second step may come before the session.
  const next = await startNextSignInStep(ctx, user, reply);
  if (next) {
    await recordAudit(prisma, {
      action: 'auth.sign_in',
      actor: { kind: 'staff', userId: user.id },
      targetType: 'user',
      targetId: user.id,
      ip: request.ip,
      details: { email, step: 'password', next },
    });
    throw next === 'second-factor'
      ? new AppError(ErrorCode.SecondFactorRequired, 'Enter the code from your authenticator app')
      : new AppError(ErrorCode.TwoFactorEnrolmentRequired, 'Set up two-factor sign-in to continue');
  }
  return startStaffSession(ctx, user, request, reply, 'password');
}
