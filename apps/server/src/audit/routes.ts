import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { recordAudit } from './record.ts';

export const auditRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  serveRoute(app, Routes.listAudit, async (request) => {
    const admin = requireStaff(request, 'ADMIN');
    const q = request.query;
    const rows = await ctx.prisma.auditEvent.findMany({
      where: {
        ...(q.consultationId ? { consultationId: q.consultationId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.before ? { at: { lt: new Date(q.before) } } : {}),
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: q.limit ?? 100,
    });
    // Reading the audit trail is itself sensitive.
    await recordAudit(ctx.prisma, {
      action: 'audit.read',
      actor: admin,
      ip: request.ip,
      details: { ...q },
    });
    return { events: rows.map((e) => ({ ...e, at: e.at.toISOString(), details: e.details ?? null })) };
  });
};
