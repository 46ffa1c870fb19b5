import { ErrorCode, type StaffRole } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { staffUserOr404 } from './find.ts';
import { staffMemberView } from './view.ts';

/**
 * Changes an account's role. Every request reads the role from the database, but an open socket was admitted under
 * the old role (a clinician's room, an admin's live view), so every session of the account ends at once, in the
 * database and on the wire (SessionEnded); the person signs in again under the new role. An admin cannot change
 * their own role: the clinic cannot lose its last admin by a slip.
 */
export async function changeStaffRole(
  ctx: AppContext,
  admin: StaffPrincipal,
  userId: string,
  role: StaffRole,
  ip: string,
) {
  if (userId === admin.userId) throw new AppError(ErrorCode.Conflict, 'You cannot change your own role');
  const before = await staffUserOr404(ctx.prisma, userId);
  const user = await ctx.prisma.user.update({ where: { id: userId }, data: { role } });
  const ended = before.role === role ? 0 : await ctx.sessions.end({ userId }, 'role-changed');
  await recordAudit(ctx.prisma, {
    action: 'staff.role',
    actor: admin,
    targetType: 'user',
    targetId: userId,
    ip,
    details: { email: user.email, from: before.role, to: role, sessionsEnded: ended },
  });
  return staffMemberView(user);
}
