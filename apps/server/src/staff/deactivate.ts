import { ErrorCode } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { staffUserOr404 } from './find.ts';
import { staffMemberView } from './view.ts';

/**
 * Deactivates an account: sign-in is refused from now on, and every session of it ends at once, in the database and
 * on the wire (its sockets close with SessionEnded through the registry). Its consultations stay as they are, and
 * visible to admins. An admin cannot deactivate themselves, so an admin is always left to undo it.
 */
export async function deactivateStaff(ctx: AppContext, admin: StaffPrincipal, userId: string, ip: string) {
  if (userId === admin.userId)
    throw new AppError(ErrorCode.Conflict, 'You cannot deactivate your own account');
  const before = await staffUserOr404(ctx.prisma, userId);
  const user = before.deactivatedAt
    ? before
    : await ctx.prisma.user.update({ where: { id: userId }, data: { deactivatedAt: new Date() } });
  // Also when it was already deactivated: a session started in a race with the first call ends too.
  const ended = await ctx.sessions.end({ userId }, 'deactivated');
  await recordAudit(ctx.prisma, {
    action: 'staff.deactivate',
    actor: admin,
    targetType: 'user',
    targetId: userId,
    ip,
    details: { email: user.email, sessionsEnded: ended },
  });
  return staffMemberView(user);
}
