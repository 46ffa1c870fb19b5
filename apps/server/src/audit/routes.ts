import { ErrorCode, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { resolvePeople } from './people.ts';
import { recordAudit } from './record.ts';

export const auditRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  serveRoute(app, Routes.listAudit, async (request) => {
    const admin = requireStaff(request, 'ADMIN');
    const q = request.query;
    const limit = q.limit ?? 100;
    const cursor = q.cursor ? parseCursor(q.cursor) : null;
    const at = {
      ...(q.from ? { gte: new Date(q.from) } : {}),
      ...(q.to || q.before ? { lt: new Date(earliest(q.to, q.before)) } : {}),
    };
    const rows = await ctx.prisma.auditEvent.findMany({
      where: {
        AND: [
          q.consultationId ? { consultationId: q.consultationId } : {},
          q.action ? { action: q.action } : {},
          q.personId ? { OR: [{ actorId: q.personId }, { targetId: q.personId }] } : {},
          Object.keys(at).length > 0 ? { at } : {},
          // Keyset paging: strictly after the last row of the previous page in (at, id) order.
          cursor ? { OR: [{ at: { lt: cursor.at } }, { at: cursor.at, id: { lt: cursor.id } }] } : {},
        ],
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? `${last.at.toISOString()}_${last.id}` : null;
    const person = await resolvePeople(ctx.prisma, page);
    // Reading the audit trail is itself sensitive.
    await recordAudit(ctx.prisma, {
      action: 'audit.read',
      actor: admin,
      ip: request.ip,
      details: { ...q },
    });
    return {
      events: page.map((e) => ({
        ...e,
        at: e.at.toISOString(),
        details: e.details ?? null,
        actor: person(e.actorType, e.actorId),
        target: person(e.targetType, e.targetId),
      })),
      nextCursor,
    };
  });
};

function parseCursor(cursor: string): { at: Date; id: string } {
  const cut = cursor.indexOf('_');
  const at = new Date(cursor.slice(0, cut));
  if (Number.isNaN(at.getTime())) throw new AppError(ErrorCode.ValidationFailed, 'Bad cursor');
  return { at, id: cursor.slice(cut + 1) };
}

const earliest = (a: string | undefined, b: string | undefined): string =>
  a && b ? (Date.parse(a) < Date.parse(b) ? a : b) : (a ?? b ?? '');
