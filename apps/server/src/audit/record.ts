import type { AuditAction } from '@consulta/protocol';
import type { Prisma, PrismaClient } from '../db/index.ts';

/** Who acted: a staff member, a guest (a principal fits), or nobody in particular. */
export type AuditActor =
  | { kind: 'staff'; userId: string }
  | { kind: 'guest'; participantId: string }
  | { kind: 'anonymous' | 'system'; id?: string };

export interface AuditEntry {
  action: AuditAction;
  actor: AuditActor;
  targetType?: string;
  targetId?: string;
  consultationId?: string;
  ip?: string;
  outcome?: 'ok' | 'denied' | 'failed';
  details?: Prisma.InputJsonValue;
}

/** Appends one audit event. Awaited by callers: an action whose audit cannot be written is not done. */
export async function recordAudit(prisma: PrismaClient, entry: AuditEntry): Promise<void> {
  const actor = entry.actor;
  await prisma.auditEvent.create({
    data: {
      action: entry.action,
      actorType: actor.kind,
      actorId:
        actor.kind === 'staff'
          ? actor.userId
          : actor.kind === 'guest'
            ? actor.participantId
            : (actor.id ?? null),
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      consultationId: entry.consultationId ?? null,
      ip: entry.ip ?? null,
      outcome: entry.outcome ?? 'ok',
      ...(entry.details === undefined ? {} : { details: entry.details }),
    },
  });
}
