import { ErrorCode, type SecondFactorBody, type StaffUser } from '@consulta/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';
import { useRecoveryCode } from './recovery-codes.ts';
import { clearChallengeCookie, pendingChallenge } from './second-factor-challenge.ts';
import { startStaffSession } from './start-staff-session.ts';
import { verifyTotp } from './totp.ts';

/**
 * The second step of a two-factor sign-in: an authenticator code (not one already used) or a recovery code (once
 * each). Guessing is slowed like passwords (ctx.secondFactorGuard: per account+address doubling delays and a
 * per-account ceiling), and the challenge itself expires within minutes.
 */
export async function signInSecondFactor(
  ctx: AppContext,
  request: FastifyRequest<{ Body: SecondFactorBody }>,
  reply: FastifyReply,
): Promise<StaffUser> {
  const challenge = await pendingChallenge(ctx.prisma, request);
  if (!challenge) throw new AppError(ErrorCode.Unauthenticated, 'Sign in with your password first');
  const account = `user:${challenge.userId}`;
  const verdict = await ctx.secondFactorGuard.admit(account, request.ip);
  refuseIfLimited(verdict, reply, 'codes');
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: challenge.userId } });
  const body = request.body;
  let ok = false;
  let method: 'totp' | 'recovery-code' = 'totp';
  if (user.totpSecret && user.totpEnabledAt && !user.deactivatedAt) {
    if ('code' in body) {
      const secret = ctx.totpSecrets.open(user.totpSecret, user.id);
      const step = await verifyTotp(secret, body.code, user.totpLastStep);
      // Conditional on the last step, so two requests racing with the same code cannot both pass.
      ok =
        step !== null &&
        (
          await ctx.prisma.user.updateMany({
            where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
            data: { totpLastStep: step },
          })
        ).count === 1;
    } else {
      method = 'recovery-code';
      ok = await useRecoveryCode(ctx.prisma, user.id, body.recoveryCode);
    }
  }
  if (!ok) {
    await ctx.secondFactorGuard.failed(account, request.ip);
    await recordAudit(ctx.prisma, {
      action: 'auth.second_factor',
      actor: { kind: 'anonymous' },
      targetType: 'user',
      targetId: user.id,
      ip: request.ip,
      outcome: 'failed',
      details: { email: user.email, method },
    });
    throw new AppError(ErrorCode.InvalidCode, 'That code is wrong or was already used');
  }
  const used = await ctx.prisma.accountToken.updateMany({
    where: { id: challenge.id, usedAt: null },
    data: { usedAt: new Date() },
  });
  if (used.count !== 1) throw new AppError(ErrorCode.Unauthenticated, 'Sign in with your password first');
  await ctx.secondFactorGuard.succeeded(account, request.ip, verdict.token);
  clearChallengeCookie(reply);
  if (method === 'recovery-code') {
    const left = await ctx.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
    request.log.info({ userId: user.id, left }, 'signed in with a recovery code');
  }
  return startStaffSession(ctx, user, request, reply, 'second-factor');
}
