import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RECORDING_FILE_STATUSES, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import type { StaffPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import type { PrismaClient } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { serveRoute } from '../http/serve-route.ts';
import { recordingInclude, recordingView } from './views.ts';

/** Admins control recording; listing and downloads are for admins, and the consult's clinician where config allows. */
export const recordingRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;
  const clinicianAccess = ctx.config.recording.clinicianAccess;

  serveRoute(app, Routes.requestRecording, async (request) => {
    const staff = requireStaff(request, 'ADMIN');
    return ctx.recordings.request(staff, request.params.consultationId, request.ip);
  });

  serveRoute(app, Routes.stopRecording, async (request) => {
    const staff = requireStaff(request, 'ADMIN');
    return ctx.recordings.stop(staff, request.params.recordingId, request.ip);
  });

  serveRoute(app, Routes.listRecordings, async (request) => {
    const staff = requireStaff(request);
    if (staff.role !== 'ADMIN' && !clinicianAccess) throw forbidden();
    const rows = await prisma.recording.findMany({
      where: {
        ...(request.query.consultationId ? { consultationId: request.query.consultationId } : {}),
        ...(staff.role === 'ADMIN' ? {} : { consultation: { clinicianId: staff.userId } }),
      },
      include: recordingInclude,
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    await recordAudit(prisma, {
      action: 'recording.list',
      actor: staff,
      ip: request.ip,
      ...(request.query.consultationId ? { consultationId: request.query.consultationId } : {}),
    });
    return { recordings: rows.map((r) => recordingView(r)) };
  });

  serveRoute(app, Routes.getRecording, async (request) => {
    const staff = requireStaff(request);
    await accessibleRecording(prisma, staff, request.params.recordingId, clinicianAccess);
    return ctx.recordings.view(request.params.recordingId);
  });

  serveRoute(app, Routes.recordingFile, async (request, reply) => {
    const staff = requireStaff(request);
    const row = await accessibleRecording(prisma, staff, request.params.recordingId, clinicianAccess);
    if (!RECORDING_FILE_STATUSES.includes(row.status) || !row.filePath)
      throw new AppError(ErrorCode.Conflict, 'This recording has no finished file');
    const size = await stat(row.filePath).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) throw new AppError(ErrorCode.NotFound, 'The recording file is missing from storage');
    await recordAudit(prisma, {
      action: 'recording.download',
      actor: staff,
      targetType: 'recording',
      targetId: row.id,
      consultationId: row.consultationId,
      ip: request.ip,
    });
    const ext = path.extname(row.filePath);
    return reply
      .header(
        'content-type',
        ext === '.mp4' ? 'video/mp4' : ext === '.mkv' ? 'video/x-matroska' : 'video/webm',
      )
      .header('content-length', size)
      .header(
        'content-disposition',
        `attachment; filename="consultation-${row.consultationId}-${row.id}${ext}"`,
      )
      .header('cache-control', 'private, no-store')
      .send(createReadStream(row.filePath));
  });
};

function forbidden() {
  return new AppError(ErrorCode.Forbidden, 'Recordings are available to administrators');
}

async function accessibleRecording(
  prisma: PrismaClient,
  staff: StaffPrincipal,
  recordingId: string,
  clinicianAccess: boolean,
) {
  const row = await prisma.recording.findUnique({
    where: { id: recordingId },
    include: { consultation: true },
  });
  if (!row) throw new AppError(ErrorCode.NotFound, 'No such recording');
  if (staff.role === 'ADMIN') return row;
  if (clinicianAccess && row.consultation.clinicianId === staff.userId) return row;
  throw forbidden();
}
