import { CloseCode } from '@consulta/protocol';
import type { Prisma, PrismaClient } from '../db/index.ts';
import type { SessionRegistry } from './session-registry.ts';
import { hashToken, newToken } from './tokens.ts';

/** Why a session ended; each maps to the close code its sockets get. */
export type SessionEndReason =
  | 'signed-out'
  | 'invite-revoked'
  | 'admission-denied'
  | 'consultation-ended'
  | 'password-changed'
  | 'deactivated'
  | 'role-changed'
  | 'revoked-by-admin';

const closeCodeOf: Record<SessionEndReason, number> = {
  'signed-out': CloseCode.SessionEnded,
  'password-changed': CloseCode.SessionEnded,
  deactivated: CloseCode.SessionEnded,
  'role-changed': CloseCode.SessionEnded,
  'revoked-by-admin': CloseCode.SessionEnded,
  'invite-revoked': CloseCode.AccessWithdrawn,
  'admission-denied': CloseCode.AccessWithdrawn,
  'consultation-ended': CloseCode.ConsultationEnded,
};

/** Which sessions an event ends. */
export type SessionScope =
  | { sessionId: string }
  | { userId: string; exceptSessionId?: string }
  | { participantIds: string[] }
  | { consultationId: string };

export interface SessionMeta {
  ip?: string;
  userAgent?: string;
}

/**
 * Sessions of staff and guests: started on sign-in or when an invite is opened, ended by the events that end
 * them (see SessionEndReason). Ending writes the database first (the truth for every later request), then closes
 * every open socket of the session through the registry.
 */
export class Sessions {
  constructor(
    private readonly prisma: PrismaClient,
    readonly registry: SessionRegistry,
  ) {}

  /** Cluster mode: the other nodes close their sockets of sessions that ended here (set by the cluster node). */
  ended: ((sessionIds: string[], code: number, reason: string) => void) | null = null;

  /** A new session; the token goes into the cookie, only its hash into the database. */
  async start(
    owner: { userId: string } | { participantId: string },
    expiresAt: Date,
    meta: SessionMeta,
  ): Promise<{ token: string; sessionId: string }> {
    const token = newToken();
    const row = await this.prisma.session.create({
      data: {
        tokenHash: hashToken(token),
        ...owner,
        expiresAt,
        ...(meta.ip ? { ip: meta.ip } : {}),
        ...(meta.userAgent ? { userAgent: meta.userAgent.slice(0, 300) } : {}),
      },
    });
    return { token, sessionId: row.id };
  }

  /** Ends every live session in `scope`; returns how many ended. */
  async end(scope: SessionScope, reason: SessionEndReason): Promise<number> {
    const where: Prisma.SessionWhereInput = { endedAt: null, ...whereOf(scope) };
    const rows = await this.prisma.session.findMany({ where, select: { id: true } });
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    await this.prisma.session.updateMany({
      where: { id: { in: ids }, endedAt: null },
      data: { endedAt: new Date(), endReason: reason },
    });
    this.registry.end(ids, closeCodeOf[reason], reason);
    this.ended?.(ids, closeCodeOf[reason], reason);
    return ids.length;
  }
}

function whereOf(scope: SessionScope): Prisma.SessionWhereInput {
  if ('sessionId' in scope) return { id: scope.sessionId };
  if ('userId' in scope)
    return { userId: scope.userId, ...(scope.exceptSessionId ? { id: { not: scope.exceptSessionId } } : {}) };
  if ('participantIds' in scope) return { participantId: { in: scope.participantIds } };
  return { participant: { consultationId: scope.consultationId } };
}
