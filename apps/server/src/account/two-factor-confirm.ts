import { ErrorCode } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import { replaceRecoveryCodes } from '../auth/recovery-codes.ts';
import { verifyTotp } from '../auth/totp.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';

/**
 * Turns two-factor sign-in on once a code from the app proves it holds the pending secret; returns ten recovery
 * codes, shown once. Wrong codes count against the same guard as sign-in codes.
 */
export async function confirmTwoFactor(
  ctx: AppContext,
  staff: Pick<StaffPrincipal, 'kind' | 'userId'>,
  code: string,
  ip: string,
  reply: FastifyReply,
): Promise<string[]> {
  const account = `user:${staff.userId}`;
  const verdict = await ctx.secondFactorGuard.admit(account, ip);
  refuseIfLimited(verdict, reply, 'codes');
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: staff.userId } });
  if (user.totpEnabledAt) throw new AppError(ErrorCode.Conflict, 'Two-factor sign-in is already on');
  if (!user.totpSecret) throw new AppError(ErrorCode.Conflict, 'Start the set-up first');
  const step = await verifyTotp(ctx.totpSecrets.open(user.totpSecret, user.id), code, null);
  if (step === null) {
    await ctx.secondFactorGuard.failed(account, ip);
    throw new AppError(
      ErrorCode.InvalidCode,
      'That code is wrong; check the time on your phone and try again',
    );
  }
  await ctx.secondFactorGuard.succeeded(account, ip, verdict.token);
  await ctx.prisma.user.update({
    where: { id: user.id },
    data: { totpEnabledAt: new Date(), totpLastStep: step },
  });
  const codes = await replaceRecoveryCodes(ctx.prisma, user.id);
  await recordAudit(ctx.prisma, {
    action: 'two_factor.enable',
    actor: staff,
    targetType: 'user',
    targetId: user.id,
    ip,
  });
  return codes;
}
