import { ErrorCode, type StaffRole } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { staffUserOr404 } from './find.ts';
import { staffMemberView } from './view.ts';

/**
 * Changes an account's role. Every request reads the role from the database, so it applies at once. An admin cannot
 * change their own role: the clinic cannot lose its last admin by a slip.
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
  await recordAudit(ctx.prisma, {
    action: 'staff.role',
    actor: admin,
    targetType: 'user',
    targetId: userId,
    ip,
    details: { email: user.email, from: before.role, to: role },
  });
  return staffMemberView(user);
}
