import { ErrorCode } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { verifyPassword } from '../auth/password.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';

/** Turns two-factor sign-in off; the password is asked again, so an unattended session cannot do it. */
export async function disableTwoFactor(
  ctx: AppContext,
  staff: StaffPrincipal,
  password: string,
  ip: string,
  reply: FastifyReply,
): Promise<void> {
  const verdict = await ctx.signInGuard.admit(staff.email, ip);
  refuseIfLimited(verdict, reply, 'password attempts');
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: staff.userId } });
  if (!user.passwordHash || !(await verifyPassword(password, user.passwordHash))) {
    await ctx.signInGuard.failed(staff.email, ip);
    throw new AppError(ErrorCode.InvalidCredentials, 'Your password is wrong');
  }
  await ctx.signInGuard.succeeded(staff.email, ip, verdict.token);
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
