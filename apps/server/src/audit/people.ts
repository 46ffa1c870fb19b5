// Names and roles for audit events: an event stores ids only (staff user or participant); the reader wants people.
import type { AuditPerson } from '@consulta/protocol';
import type { PrismaClient } from '../db/index.ts';

interface Row {
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
}

/** Which table an id in this position names: staff act as 'staff' and are targeted as 'user'. */
const kindOf = (type: string | null): 'user' | 'participant' | null =>
  type === 'staff' || type === 'user'
    ? 'user'
    : type === 'guest' || type === 'participant'
      ? 'participant'
      : null;

export async function resolvePeople(
  prisma: PrismaClient,
  rows: readonly Row[],
): Promise<(type: string | null, id: string | null) => AuditPerson | null> {
  const ids = { user: new Set<string>(), participant: new Set<string>() };
  for (const r of rows) {
    for (const [type, id] of [
      [r.actorType, r.actorId],
      [r.targetType, r.targetId],
    ] as const) {
      const kind = kindOf(type);
      if (kind && id) ids[kind].add(id);
    }
  }
  const [users, participants] = await Promise.all([
    prisma.user.findMany({
      where: { id: { in: [...ids.user] } },
      select: { id: true, displayName: true, role: true },
    }),
    prisma.participant.findMany({
      where: { id: { in: [...ids.participant] } },
      select: { id: true, displayName: true, role: true },
    }),
  ]);
  const people = {
    user: new Map(users.map((u) => [u.id, u as AuditPerson])),
    participant: new Map(participants.map((p) => [p.id, p as AuditPerson])),
  };
  return (type, id) => {
    const kind = kindOf(type);
    return (kind && id && people[kind].get(id)) || null;
  };
}
