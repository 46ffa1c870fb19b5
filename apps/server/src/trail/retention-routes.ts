import { ErrorCode, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { appendAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { retentionView } from './retention.ts';

export const retentionRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const days = ctx.config.retention.recordingDays;

  serveRoute(app, Routes.listRetention, async (request) => {
    requireStaff(request, 'ADMIN');
    const rows = await ctx.prisma.recording.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    return { recordingDays: days, recordings: rows.map((r) => retentionView(r, days)) };
  });

  serveRoute(app, Routes.setLegalHold, async (request) => {
    const admin = requireStaff(request, 'ADMIN');
    const { recordingId } = request.params;
    const hold = request.body.hold;
    // The change and its audit event commit together; the row lock orders it against a retention sweep.
    const row = await ctx.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "Recording" WHERE "id" = ${recordingId} FOR UPDATE`;
      if (!locked) return null;
      const now = new Date();
      const updated = await tx.recording.update({
        where: { id: recordingId },
        data: hold
          ? { legalHold: true, legalHoldAt: now, legalHoldById: admin.userId }
          : { legalHold: false, legalHoldAt: null, legalHoldById: null },
      });
      await appendAudit(tx, {
        action: 'recording.hold',
        actor: admin,
        targetType: 'recording',
        targetId: recordingId,
        consultationId: updated.consultationId,
        ip: request.ip,
        details: { hold },
      });
      return updated;
    });
    if (!row) throw new AppError(ErrorCode.NotFound, 'No such recording');
    return retentionView(row, days);
  });
};
