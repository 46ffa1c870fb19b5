import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { assertNotEnded, consultationForStaff } from './access.ts';

/** Ends a consultation: invites stop working, the room closes, everyone still in is marked as left. */
export async function endConsultation(
  ctx: AppContext,
  staff: StaffPrincipal,
  consultationId: string,
  ip: string,
) {
  const c = await consultationForStaff(ctx.prisma, staff, consultationId, { adminMay: true });
  assertNotEnded(c);
  const now = new Date();
  const [ended] = await ctx.prisma.$transaction([
    ctx.prisma.consultation.update({
      where: { id: c.id },
      data: { status: 'ENDED', endedAt: now },
      include: { clinician: true },
    }),
    ctx.prisma.participant.updateMany({
      where: { consultationId: c.id, joinedAt: { not: null }, leftAt: null },
      data: { leftAt: now },
    }),
  ]);
  await recordAudit(ctx.prisma, {
    action: 'consultation.end',
    actor: staff,
    targetType: 'consultation',
    targetId: c.id,
    consultationId: c.id,
    ip,
  });
  await ctx.roomCommands.end(c.id);
  // Guests' sessions belong to this consultation alone: they end with it. Staff stay signed in.
  await ctx.sessions.end({ consultationId: c.id }, 'consultation-ended');
  return ended;
}
