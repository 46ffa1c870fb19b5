import { ErrorCode } from '@consulta/protocol';
import type { StaffPrincipal } from '../auth/principal.ts';
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
