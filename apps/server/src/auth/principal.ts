import type { GuestRole, StaffRole } from '@consulta/protocol';
import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../db/index.ts';
import { hashToken } from './tokens.ts';

export const sessionCookie = 'consulta_session';
export const guestCookie = 'consulta_guest';

interface SessionBound {
  /** The Session row behind the cookie: every socket and request of this principal belongs to it. */
  sessionId: string;
  expiresAt: Date;
}

export interface StaffPrincipal extends SessionBound {
  kind: 'staff';
  userId: string;
  email: string;
  displayName: string;
  role: StaffRole;
}

export interface GuestPrincipal extends SessionBound {
  kind: 'guest';
  participantId: string;
  consultationId: string;
  displayName: string;
  role: GuestRole;
}

export type Principal = StaffPrincipal | GuestPrincipal;

const sessionInclude = {
  user: true,
  participant: { include: { invite: true, consultation: true } },
} as const;

type SessionRow = Prisma.SessionGetPayload<{ include: typeof sessionInclude }>;

/**
 * Who sent this request, from its cookies: a staff session, else a guest session. Both are Session rows
 * (revocable, expiring; only the token's hash is stored); a guest's invite and consultation are re-checked on
 * every use.
 */
export async function resolvePrincipal(
  prisma: PrismaClient,
  request: FastifyRequest,
): Promise<Principal | null> {
  for (const name of [sessionCookie, guestCookie]) {
    const raw = request.cookies[name];
    if (!raw) continue;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) continue;
    const row = await prisma.session.findUnique({
      where: { tokenHash: hashToken(unsigned.value) },
      include: sessionInclude,
    });
    const principal = row ? principalOf(row) : null;
    if (principal && (name === sessionCookie) === (principal.kind === 'staff')) return principal;
  }
  return null;
}

/** The principal of a session as the database has it now, or null when it ended (re-checked on `join`). */
export async function principalForSession(
  prisma: PrismaClient,
  sessionId: string,
): Promise<Principal | null> {
  const row = await prisma.session.findUnique({ where: { id: sessionId }, include: sessionInclude });
  return row ? principalOf(row) : null;
}

/** A session counts while it has not ended or expired and what it stands for still holds. */
function principalOf(r: SessionRow): Principal | null {
  if (r.endedAt || r.expiresAt <= new Date()) return null;
  if (r.user) {
    // A deactivated account's sessions are ended when it is deactivated; this also covers one started in a race.
    if (r.user.deactivatedAt) return null;
    return {
      kind: 'staff',
      userId: r.user.id,
      email: r.user.email,
      displayName: r.user.displayName,
      role: r.user.role,
      sessionId: r.id,
      expiresAt: r.expiresAt,
    };
  }
  const p = r.participant;
  if (
    !p?.invite ||
    p.invite.revokedAt ||
    p.consultation.status === 'ENDED' ||
    p.role === 'CLINICIAN' ||
    p.role === 'ADMIN'
  ) {
    return null;
  }
  return {
    kind: 'guest',
    participantId: p.id,
    consultationId: p.consultationId,
    displayName: p.displayName,
    role: p.role,
    sessionId: r.id,
    expiresAt: r.expiresAt,
  };
}
