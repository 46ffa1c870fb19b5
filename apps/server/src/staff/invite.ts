import { ErrorCode, type InviteStaffBody } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import { issueAccountToken } from '../auth/account-tokens.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { isUniqueViolation } from '../db/index.ts';
import { accountLink, staffInviteEmail } from '../email/account-email.ts';
import { sendOrUndo } from '../email/send-or-undo.ts';
import { AppError } from '../errors.ts';
import { staffMemberView } from './view.ts';

/**
 * An administrator adds a staff member: the account exists at once without a password, and its emailed link
 * (single-use, expiring, hashed at rest) lets the person choose one.
 */
export async function inviteStaff(ctx: AppContext, admin: StaffPrincipal, body: InviteStaffBody, ip: string) {
  const email = body.email.toLowerCase();
  let user: Awaited<ReturnType<typeof ctx.prisma.user.create>>;
  try {
    user = await ctx.prisma.user.create({
      data: { email, displayName: body.displayName, role: body.role, passwordHash: null },
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError(ErrorCode.Conflict, 'A staff account with this email exists');
    throw err;
  }
  const { token, expiresAt } = await issueAccountToken(
    ctx.prisma,
    user.id,
    'INVITE',
    ctx.config.auth.staffInviteTtlHours * 3_600_000,
  );
  const invitation = staffInviteEmail({
    to: email,
    name: user.displayName,
    invitedBy: admin.displayName,
    role: user.role,
    link: accountLink(ctx.config.server.publicUrl, user.role, token),
    expiresAt,
  });
  // Nobody received the link: no half-made account is left behind.
  await sendOrUndo(ctx.mailer, invitation, () => ctx.prisma.user.delete({ where: { id: user.id } }));
  await recordAudit(ctx.prisma, {
    action: 'staff.invite',
    actor: admin,
    targetType: 'user',
    targetId: user.id,
    ip,
    details: { email, role: user.role },
  });
  return staffMemberView(user);
}
