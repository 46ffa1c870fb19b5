import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { staffUserOr404 } from './find.ts';
import { staffMemberView } from './view.ts';

/** Lets a deactivated account sign in again (its old sessions stay ended). */
export async function reactivateStaff(ctx: AppContext, admin: StaffPrincipal, userId: string, ip: string) {
  await staffUserOr404(ctx.prisma, userId);
  const user = await ctx.prisma.user.update({ where: { id: userId }, data: { deactivatedAt: null } });
  await recordAudit(ctx.prisma, {
    action: 'staff.reactivate',
    actor: admin,
    targetType: 'user',
    targetId: userId,
    ip,
    details: { email: user.email },
  });
  return staffMemberView(user);
}
