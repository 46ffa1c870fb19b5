import { ErrorCode } from '@consulta/protocol';
import type { Principal, StaffPrincipal } from '../auth/principal.ts';
import type { PrismaClient } from '../db/index.ts';
import { AppError } from '../errors.ts';

/**
 * The consultation if this staff member may act on it: its own clinician always; an admin only where
 * `adminMay` (oversight actions such as viewing or ending). Others get NOT_FOUND, not FORBIDDEN, so ids
 * of other clinicians' consultations cannot be probed.
 */
export async function consultationForStaff(
  prisma: PrismaClient,
  staff: StaffPrincipal,
  consultationId: string,
  { adminMay }: { adminMay: boolean },
) {
  const c = await prisma.consultation.findUnique({
    where: { id: consultationId },
    include: { clinician: true },
  });
  const allowed = c && (c.clinicianId === staff.userId || (adminMay && staff.role === 'ADMIN'));
  if (!c || !allowed) throw new AppError(ErrorCode.NotFound, 'No such consultation');
  return c;
}

export function assertNotEnded(c: { status: string }): void {
  if (c.status === 'ENDED') throw new AppError(ErrorCode.ConsultationEnded, 'This consultation has ended');
}

/**
 * The participant a principal joins a consultation's call as: a guest only their own invite's consultation; staff
 * its clinician or any admin (who join as themselves, admitted). Ended consultations admit nobody.
 */
export async function participantForJoin(prisma: PrismaClient, principal: Principal, consultationId: string) {
  const c = await prisma.consultation.findUnique({ where: { id: consultationId } });
  if (principal.kind === 'guest') {
    if (!c || principal.consultationId !== consultationId) {
      throw new AppError(ErrorCode.Forbidden, 'Your invitation is for a different consultation');
    }
    assertNotEnded(c);
    return prisma.participant.findUniqueOrThrow({ where: { id: principal.participantId } });
  }
  if (!c || (c.clinicianId !== principal.userId && principal.role !== 'ADMIN')) {
    throw new AppError(ErrorCode.NotFound, 'No such consultation');
  }
  assertNotEnded(c);
  return prisma.participant.upsert({
    where: { consultationId_userId: { consultationId, userId: principal.userId } },
    create: {
      consultationId,
      userId: principal.userId,
      displayName: principal.displayName,
      role: principal.role,
      admission: 'ADMITTED',
    },
    update: {},
  });
}
