import type { CreateInviteBody } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import { hashToken, newToken } from '../auth/tokens.ts';
import { assertNotEnded, consultationForStaff } from '../consultations/access.ts';
import type { AppContext } from '../context.ts';
import { inviteEmail } from '../email/invite-email.ts';
import { sendOrUndo } from '../email/send-or-undo.ts';

/** Creates an invite and emails its link. The token exists only in the email; the database keeps its hash. */
export async function createInvite(
  ctx: AppContext,
  staff: StaffPrincipal,
  consultationId: string,
  body: CreateInviteBody,
  ip: string,
) {
  const c = await consultationForStaff(ctx.prisma, staff, consultationId, { adminMay: false });
  assertNotEnded(c);
  const token = newToken();
  const expiresAt = new Date(Date.now() + ctx.config.invites.ttlHours * 3_600_000);
  const invite = await ctx.prisma.invite.create({
    data: {
      consultationId: c.id,
      email: body.email.toLowerCase(),
      displayName: body.displayName,
      role: body.role ?? 'PATIENT',
      tokenHash: hashToken(token),
      expiresAt,
      createdById: staff.userId,
    },
  });
  // The token rides in the fragment, which browsers never send to servers: it stays out of access logs and
  // Referer headers. The patient app reads it and posts it to /api/invites/open.
  const link = `${ctx.config.server.publicUrl}/join#${token}`;
  const email = inviteEmail({
    to: invite.email,
    guestName: invite.displayName,
    clinicianName: c.clinician.displayName,
    title: c.title,
    link,
    expiresAt,
  });
  await sendOrUndo(ctx.mailer, email, () => ctx.prisma.invite.delete({ where: { id: invite.id } }));
  await recordAudit(ctx.prisma, {
    action: 'invite.send',
    actor: staff,
    targetType: 'invite',
    targetId: invite.id,
    consultationId: c.id,
    ip,
    // The guest by invite id (targetId), not by email: the email lives in the invite row, which retention erases;
    // a chained event cannot be edited.
    details: { role: invite.role },
  });
  return invite;
}
