import { ErrorCode, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { spanView } from './media-path-log.ts';
import { buildVisitExport } from './visit-export.ts';
import { renderVisitHtml } from './visit-print.ts';

/** The health-data trail's admin routes: the media-path record and the visit export. */
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

  /** Builds the export for `admin`, audited first (with its format) so the document carries its own event. */
  const exportFor = async (
    admin: StaffPrincipal,
    consultationId: string,
    ip: string,
    format: 'json' | 'html',
  ) => {
    const exists = await ctx.prisma.consultation.count({ where: { id: consultationId } });
    if (exists === 0) throw new AppError(ErrorCode.NotFound, 'No such consultation');
    await ctx.mediaPaths.settled(consultationId);
    // Audited before it is built, so the export carries the event recording it (and an export that then fails
    // still shows the attempt).
    await recordAudit(ctx.prisma, {
      action: 'visit.export',
      actor: admin,
      targetType: 'consultation',
      targetId: consultationId,
      consultationId,
      ip,
      ...(format === 'html' ? { details: { format } } : {}),
    });
    const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: admin.userId } });
    const doc = await buildVisitExport(ctx.prisma, consultationId, {
      id: user.id,
      displayName: user.displayName,
    });
    if (!doc) throw new AppError(ErrorCode.NotFound, 'No such consultation');
    return doc;
  };

  serveRoute(app, Routes.exportVisit, async (request, reply) => {
    const admin = requireStaff(request, 'ADMIN');
    const { consultationId } = request.params;
    const doc = await exportFor(admin, consultationId, request.ip, 'json');
    void reply.header('content-disposition', `attachment; filename="visit-${consultationId}.json"`);
    return doc;
  });

  serveRoute(app, Routes.printVisit, async (request, reply) => {
    const admin = requireStaff(request, 'ADMIN');
    const doc = await exportFor(admin, request.params.consultationId, request.ip, 'html');
    return (
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'private, no-store')
        // A static page: its inline style is all it needs; no script, no outside resource.
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(renderVisitHtml(doc))
    );
  });
};
