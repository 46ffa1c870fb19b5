import { ErrorCode } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { assertNotEnded, consultationForStaff } from './access.ts';

/** Admit or deny a guest, from REST or from the room; the room is told either way. */
export async function decideAdmission(
  ctx: AppContext,
  staff: StaffPrincipal,
  consultationId: string,
  participantId: string,
  decision: 'ADMITTED' | 'DENIED',
  ip?: string,
): Promise<void> {
  const c = await consultationForStaff(ctx.prisma, staff, consultationId, { adminMay: false });
  assertNotEnded(c);
  const p = await ctx.prisma.participant.findUnique({ where: { id: participantId } });
  if (!p || p.consultationId !== c.id || !p.inviteId)
    throw new AppError(ErrorCode.NotFound, 'No such guest in this consultation');
  const decided = await ctx.prisma.participant.update({ where: { id: p.id }, data: { admission: decision } });
  await recordAudit(ctx.prisma, {
    action: decision === 'ADMITTED' ? 'participant.admit' : 'participant.deny',
    actor: staff,
    targetType: 'participant',
    targetId: p.id,
    consultationId: c.id,
    ...(ip ? { ip } : {}),
  });
  await ctx.roomCommands.admissionDecided(c.id, decided, decision);
  // Turned away: the guest's sessions end (the waiting socket got `denied` first, then closes).
  if (decision === 'DENIED') await ctx.sessions.end({ participantIds: [p.id] }, 'admission-denied');
}
