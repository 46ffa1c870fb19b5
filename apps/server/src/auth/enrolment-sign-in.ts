import { type EnrolledSignIn, ErrorCode, type TwoFactorSetup } from '@consulta/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { confirmTwoFactor } from '../account/two-factor-confirm.ts';
import { setupTwoFactor } from '../account/two-factor-setup.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { clearChallengeCookie, pendingChallenge } from './second-factor-challenge.ts';
import { startStaffSession } from './start-staff-session.ts';

/**
 * Two-factor required for all staff, and this person has none: after the right password (or a provider's
 * sign-in that does not count as two-factor) the ENROLMENT_CHALLENGE lets them set up an authenticator, and only
 * confirming it with a code starts a session. Nothing else is reachable with the challenge.
 */
async function enrollingUser(ctx: AppContext, request: FastifyRequest) {
  const challenge = await pendingChallenge(ctx.prisma, request, 'ENROLMENT_CHALLENGE');
  if (!challenge) throw new AppError(ErrorCode.Unauthenticated, 'Sign in with your password first');
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: challenge.userId } });
  if (user.deactivatedAt) throw new AppError(ErrorCode.Unauthenticated, 'Sign in with your password first');
  return { challenge, user };
}

export async function startEnrolment(ctx: AppContext, request: FastifyRequest): Promise<TwoFactorSetup> {
  const { user } = await enrollingUser(ctx, request);
  return setupTwoFactor(ctx, { kind: 'staff', userId: user.id });
}

export async function finishEnrolment(
  ctx: AppContext,
  request: FastifyRequest<{ Body: { code: string } }>,
  reply: FastifyReply,
): Promise<EnrolledSignIn> {
  const { challenge, user } = await enrollingUser(ctx, request);
  const recoveryCodes = await confirmTwoFactor(
    ctx,
    { kind: 'staff', userId: user.id },
    request.body.code,
    request.ip,
    reply,
  );
  // The code was right and two-factor is on: the challenge is used up, here and in a racing request.
  const used = await ctx.prisma.accountToken.updateMany({
    where: { id: challenge.id, usedAt: null },
    data: { usedAt: new Date() },
  });
  if (used.count !== 1) throw new AppError(ErrorCode.Unauthenticated, 'Sign in with your password first');
  clearChallengeCookie(reply);
  const staffUser = await startStaffSession(ctx, user, request, reply, 'second-factor');
  return { user: staffUser, recoveryCodes };
}
