import { randomUUID } from 'node:crypto';
import type { AuditAction } from '@consulta/protocol';
import type { Prisma, PrismaClient } from '../db/index.ts';
import { chainKeyFor, eventHash, GENESIS_HASH } from './chain.ts';

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

/**
 * The account an event is about, when there is one: a sign-in or a reset for an unknown email (or with an unknown
 * link) is still about "a user", just none that exists.
 */
export const aboutUser = (userId: string | undefined): Pick<AuditEntry, 'targetType' | 'targetId'> => ({
  targetType: 'user',
  ...(userId ? { targetId: userId } : {}),
});

/**
 * Appends one audit event to its hash chain. Awaited by callers: an action whose audit cannot be written is not
 * done. Runs in a transaction of its own; use appendAudit to append inside a caller's transaction.
 */
export async function recordAudit(prisma: PrismaClient, entry: AuditEntry): Promise<void> {
  // Generous limits: under a burst, writers to one chain queue on its head lock (and PGlite serialises every
  // transaction), so Prisma's defaults (2 s to start, 5 s to finish) would fail actions that are merely waiting.
  await prisma.$transaction((tx) => appendAudit(tx, entry), { maxWait: 30_000, timeout: 30_000 });
}

/**
 * Appends inside the caller's transaction: locks the chain's head row (created on first use), so concurrent
 * writers to one chain take turns on every backend and across server nodes; links to the head's hash; moves the
 * head. Either the event and the new head are both committed or neither is.
 */
export async function appendAudit(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  const actor = entry.actor;
  const consultationId = entry.consultationId ?? null;
  const chainKey = chainKeyFor(consultationId, new Date());
  await tx.$executeRaw`INSERT INTO "AuditChainHead" ("chainKey", "seq", "hash") VALUES (${chainKey}, 0, ${GENESIS_HASH})
    ON CONFLICT ("chainKey") DO NOTHING`;
  const [head] = await tx.$queryRaw<{ seq: number; hash: string }[]>`
    SELECT "seq", "hash" FROM "AuditChainHead" WHERE "chainKey" = ${chainKey} FOR UPDATE`;
  if (!head) throw new Error(`audit chain head ${chainKey} vanished`);
  // Taken after the lock, so time order and chain order agree within a chain.
  const at = new Date();
  // Stored exactly as hashed: a JSON round trip drops undefined members the way the database would.
  const details =
    entry.details === undefined ? null : (JSON.parse(JSON.stringify(entry.details)) as Prisma.InputJsonValue);
  const fields = {
    id: randomUUID(),
    at,
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
    consultationId,
    ip: entry.ip ?? null,
    outcome: entry.outcome ?? 'ok',
    chainKey,
    seq: Number(head.seq) + 1,
    prevHash: head.hash,
  };
  const hash = eventHash({ ...fields, details });
  await tx.auditEvent.create({ data: { ...fields, ...(details === null ? {} : { details }), hash } });
  await tx.$executeRaw`UPDATE "AuditChainHead" SET "seq" = ${fields.seq}, "hash" = ${hash}, "updatedAt" = ${at}
    WHERE "chainKey" = ${chainKey}`;
}
