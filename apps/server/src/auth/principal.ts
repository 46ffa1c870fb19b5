import type { GuestRole, StaffRole } from '@consulta/protocol';
import type { FastifyRequest } from 'fastify';
import type { PrismaClient } from '../db/index.ts';
import { hashToken } from './tokens.ts';

export const sessionCookie = 'consulta_session';
export const guestCookie = 'consulta_guest';

export interface StaffPrincipal {
  kind: 'staff';
  userId: string;
  email: string;
  displayName: string;
  role: StaffRole;
  sessionId: string;
}

export interface GuestPrincipal {
  kind: 'guest';
  participantId: string;
  consultationId: string;
  displayName: string;
  role: GuestRole;
}

export type Principal = StaffPrincipal | GuestPrincipal;

/**
 * Who sent this request, from its cookies. Staff sessions live in the database (revocable); a guest cookie is
 * signed and names a participant, whose invite and consultation are re-checked on every use.
 */
export async function resolvePrincipal(
  prisma: PrismaClient,
  request: FastifyRequest,
): Promise<Principal | null> {
  const session = request.cookies[sessionCookie];
  if (session) {
    const unsigned = request.unsignCookie(session);
    if (unsigned.valid && unsigned.value) {
      const row = await prisma.session.findUnique({
        where: { tokenHash: hashToken(unsigned.value) },
        include: { user: true },
      });
      if (row && row.expiresAt > new Date()) {
        return {
          kind: 'staff',
          userId: row.user.id,
          email: row.user.email,
          displayName: row.user.displayName,
          role: row.user.role,
          sessionId: row.id,
        };
      }
    }
  }
  const guest = request.cookies[guestCookie];
  if (guest) {
    const unsigned = request.unsignCookie(guest);
    if (unsigned.valid && unsigned.value) {
      const [participantId, expires] = unsigned.value.split('.');
      if (participantId && Number(expires) > Date.now()) {
        const p = await prisma.participant.findUnique({
          where: { id: participantId },
          include: { invite: true, consultation: true },
        });
        if (
          p?.invite &&
          !p.invite.revokedAt &&
          p.consultation.status !== 'ENDED' &&
          p.role !== 'CLINICIAN' &&
          p.role !== 'ADMIN'
        ) {
          return {
            kind: 'guest',
            participantId: p.id,
            consultationId: p.consultationId,
            displayName: p.displayName,
            role: p.role,
          };
        }
      }
    }
  }
  return null;
}
