import { type ChangePasswordBody, ErrorCode } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { assertStrongPassword } from '../auth/password-policy.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { refuseIfLimited } from '../limits/refuse-limited.ts';

/**
 * A signed-in staff member changes their password: the current one is checked within the sign-in limits (a stolen
 * session cannot guess it freely), the new one against the strength rule, and every other session ends.
 */
export async function changePassword(
  ctx: AppContext,
  staff: StaffPrincipal,
  body: ChangePasswordBody,
  ip: string,
  reply: FastifyReply,
): Promise<void> {
  const verdict = await ctx.signInGuard.admit(staff.email, ip);
  refuseIfLimited(verdict, reply, 'password attempts');
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: staff.userId } });
  if (!user.passwordHash || !(await verifyPassword(body.currentPassword, user.passwordHash))) {
    await ctx.signInGuard.failed(staff.email, ip);
    await recordAudit(ctx.prisma, {
      action: 'auth.password_change',
      actor: staff,
      targetType: 'user',
      targetId: staff.userId,
      ip,
      outcome: 'failed',
    });
    throw new AppError(ErrorCode.InvalidCredentials, 'Your current password is wrong');
  }
  await ctx.signInGuard.succeeded(staff.email, ip, verdict.token);
  assertStrongPassword(body.newPassword, [user.email, user.displayName]);
  await ctx.prisma.user.update({
    where: { id: user.id },
    data: { passwordHash: await hashPassword(body.newPassword), passwordChangedAt: new Date() },
  });
  const ended = await ctx.sessions.end(
    { userId: user.id, exceptSessionId: staff.sessionId },
    'password-changed',
  );
  await recordAudit(ctx.prisma, {
    action: 'auth.password_change',
    actor: staff,
    targetType: 'user',
    targetId: staff.userId,
    ip,
    details: { otherSessionsEnded: ended },
  });
}
