import { ErrorCode, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { spanView } from './media-path-log.ts';

/** The health-data trail's admin routes: media paths (and the visit export, export-route.ts). */
export const trailRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  serveRoute(app, Routes.listMediaPaths, async (request) => {
    const admin = requireStaff(request, 'ADMIN');
    const { consultationId } = request.params;
    const consultation = await ctx.prisma.consultation.findUnique({ where: { id: consultationId } });
    if (!consultation) throw new AppError(ErrorCode.NotFound, 'No such consultation');
    // Writes queued before this request (plans, reports) are in the answer.
    await ctx.mediaPaths.settled(consultationId);
    const spans = await ctx.prisma.mediaPathSpan.findMany({
      where: { consultationId },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    });
    await recordAudit(ctx.prisma, {
      action: 'media-path.read',
      actor: admin,
      targetType: 'consultation',
      targetId: consultationId,
      consultationId,
      ip: request.ip,
    });
    return { spans: spans.map(spanView) };
  });
};
