import { ErrorCode } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { recheckPassword } from './recheck-password.ts';

/** Turns two-factor sign-in off; the password is asked again, so an unattended session cannot do it. */
export async function disableTwoFactor(
  ctx: AppContext,
  staff: StaffPrincipal,
  password: string,
  ip: string,
  reply: FastifyReply,
): Promise<void> {
  const user = await recheckPassword(ctx, staff, password, ip, reply);
  if (!user) throw new AppError(ErrorCode.InvalidCredentials, 'Your password is wrong');
  await ctx.prisma.$transaction([
    ctx.prisma.user.update({
      where: { id: user.id },
      data: { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
    }),
    ctx.prisma.recoveryCode.deleteMany({ where: { userId: user.id } }),
  ]);
  await recordAudit(ctx.prisma, {
    action: 'two_factor.disable',
    actor: staff,
    targetType: 'user',
    targetId: user.id,
    ip,
  });
}
