import { type ChangePasswordBody, ErrorCode } from '@consulta/protocol';
import type { FastifyReply } from 'fastify';
import { type AuditEntry, recordAudit } from '../audit/record.ts';
import { hashPassword } from '../auth/password.ts';
import { assertStrongPassword } from '../auth/password-policy.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { recheckPassword } from './recheck-password.ts';

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
  const audit = (outcome: Pick<AuditEntry, 'outcome' | 'details'>) =>
    recordAudit(ctx.prisma, {
      action: 'auth.password_change',
      actor: staff,
      targetType: 'user',
      targetId: staff.userId,
      ip,
      ...outcome,
    });
  const user = await recheckPassword(ctx, staff, body.currentPassword, ip, reply);
  if (!user) {
    await audit({ outcome: 'failed' });
    throw new AppError(ErrorCode.InvalidCredentials, 'Your current password is wrong');
  }
  assertStrongPassword(body.newPassword, [user.email, user.displayName]);
  await ctx.prisma.user.update({
    where: { id: user.id },
    data: { passwordHash: await hashPassword(body.newPassword), passwordChangedAt: new Date() },
  });
  const ended = await ctx.sessions.end(
    { userId: user.id, exceptSessionId: staff.sessionId },
    'password-changed',
  );
  await audit({ details: { otherSessionsEnded: ended } });
}
