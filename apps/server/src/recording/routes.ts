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
import { Keyring, openSealedFile, SealedFileError, verifySealedFile } from './at-rest/index.ts';
import { recordingInclude, recordingView } from './views.ts';

/** Admins control recording; listing and downloads are for admins, and the consult's clinician where config allows. */
export const recordingRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;
  const clinicianAccess = ctx.config.recording.clinicianAccess;
  const keyring = new Keyring(ctx.config.recording.masterKeys);

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
    const filePath = row.filePath;
    const found = await stat(filePath).then(
      () => true,
      () => false,
    );
    if (!found) throw new AppError(ErrorCode.NotFound, 'The recording file is missing from storage');
    const audit = (outcome: 'ok' | 'failed', details?: { reason: string; message: string }) =>
      recordAudit(prisma, {
        action: 'recording.download',
        actor: staff,
        targetType: 'recording',
        targetId: row.id,
        consultationId: row.consultationId,
        ip: request.ip,
        outcome,
        ...(details ? { details } : {}),
      });
    const damaged = async (reason: string, message: string) => {
      request.log.error({ recordingId: row.id, filePath, reason, message }, 'recording: file is damaged');
      await audit('failed', { reason, message });
    };
    // Verify, then stream: the whole file is authenticated (and its plaintext hashed against the stored SHA-256)
    // before the first byte goes out, so a damaged file gets a clear error status instead of a 200 that breaks
    // off. Reading twice costs time on large files; that is the price of never serving altered video as fine.
    let verified: { sizeBytes: number; sha256: string };
    try {
      verified = await verifySealedFile(filePath, keyring);
    } catch (err) {
      if (!(err instanceof SealedFileError)) throw err;
      await damaged(err.code, err.message);
      throw new AppError(ErrorCode.RecordingDamaged, damagedMessage);
    }
    if (row.sha256 && verified.sha256 !== row.sha256) {
      await damaged(
        'HASH_MISMATCH',
        `plaintext SHA-256 ${verified.sha256} differs from the stored ${row.sha256}`,
      );
      throw new AppError(ErrorCode.RecordingDamaged, damagedMessage);
    }
    await audit('ok');
    // Second pass: each chunk is authenticated before it is sent. If the file changed since the check, the bad
    // chunk is not sent and the response is aborted short of its Content-Length, which clients see as an error.
    const plain = openSealedFile(filePath, keyring);
    plain.once('error', (err) => {
      const reason = err instanceof SealedFileError ? err.code : 'READ_FAILED';
      void damaged(reason, `download aborted mid-stream: ${err.message}`).catch(() => {});
    });
    const ext = path.extname(filePath.replace(/\.enc$/, ''));
    return reply
      .header(
        'content-type',
        ext === '.mp4' ? 'video/mp4' : ext === '.mkv' ? 'video/x-matroska' : 'video/webm',
      )
      .header('content-length', verified.sizeBytes)
      .header(
        'content-disposition',
        `attachment; filename="consultation-${row.consultationId}-${row.id}${ext}"`,
      )
      .header('cache-control', 'private, no-store')
      .send(plain);
  });
};

const damagedMessage =
  'This recording failed its integrity check (the stored file was altered or cut short), so it is not served. ' +
  'The event has been logged; ask an administrator.';

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
