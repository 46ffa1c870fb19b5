import { ErrorCode } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import { assertNotEnded, consultationForStaff } from '../consultations/access.ts';
import type { AppContext } from '../context.ts';
import type { Invite } from '../db/index.ts';
import { AppError } from '../errors.ts';

/**
 * Withdraws an invite: the link stops working, and whoever came in through it is out at once — every session
 * opened with it ends (sockets close with AccessWithdrawn) and they leave the room. Revoking twice is a no-op.
 */
export async function revokeInvite(
  ctx: AppContext,
  staff: StaffPrincipal,
  consultationId: string,
  inviteId: string,
  ip: string,
): Promise<Invite> {
  const { prisma } = ctx;
  const c = await consultationForStaff(prisma, staff, consultationId, { adminMay: false });
  assertNotEnded(c);
  const existing = await prisma.invite.findUnique({ where: { id: inviteId } });
  if (!existing || existing.consultationId !== c.id) throw new AppError(ErrorCode.NotFound, 'No such invite');
  const invite = existing.revokedAt
    ? existing
    : await prisma.invite.update({ where: { id: existing.id }, data: { revokedAt: new Date() } });
  await recordAudit(prisma, {
    action: 'invite.revoke',
    actor: staff,
    targetType: 'invite',
    targetId: invite.id,
    consultationId: c.id,
    ip,
  });
  const guests = await prisma.participant.findMany({ where: { inviteId: invite.id }, select: { id: true } });
  const participantIds = guests.map((g) => g.id);
  await ctx.sessions.end({ participantIds }, 'invite-revoked');
  for (const id of participantIds) await ctx.roomCommands.remove(c.id, id);
  return invite;
}
