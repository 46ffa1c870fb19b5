import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { recordAudit } from './record.ts';
import { verifyAuditChains } from './verify.ts';

export const auditVerifyRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  serveRoute(app, Routes.verifyAudit, async (request) => {
    const admin = requireStaff(request, 'ADMIN');
    const report = await verifyAuditChains(ctx.prisma);
    // Written after the walk, so the report describes the trail as it was before this event.
    await recordAudit(ctx.prisma, {
      action: 'audit.verify',
      actor: admin,
      ip: request.ip,
      outcome: report.ok ? 'ok' : 'failed',
      details: { chains: report.chains, events: report.events, firstBroken: report.firstBroken },
    });
    return report;
  });
};
