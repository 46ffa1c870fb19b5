import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { consultationForStaff } from './access.ts';
import { decideAdmission } from './admission.ts';
import { endConsultation } from './end.ts';
import { liveSnapshot } from './live.ts';
import { consultationView, inviteView, participantView } from './views.ts';

export const consultationRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;

  serveRoute(app, Routes.listConsultations, async (request) => {
    const staff = requireStaff(request);
    // Clinicians see their own; admins oversee all.
    const rows = await prisma.consultation.findMany({
      where: staff.role === 'ADMIN' ? {} : { clinicianId: staff.userId },
      include: { clinician: true },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    return { consultations: rows.map(consultationView) };
  });

  serveRoute(app, Routes.liveConsultations, async (request) => {
    requireStaff(request, 'ADMIN');
    return liveSnapshot(ctx);
  });

  serveRoute(app, Routes.createConsultation, async (request) => {
    const staff = requireStaff(request, 'CLINICIAN');
    const c = await prisma.consultation.create({
      data: {
        title: request.body.title,
        clinicianId: staff.userId,
        scheduledFor: request.body.scheduledFor ? new Date(request.body.scheduledFor) : null,
      },
      include: { clinician: true },
    });
    await recordAudit(prisma, {
      action: 'consultation.create',
      actor: staff,
      targetType: 'consultation',
      targetId: c.id,
      consultationId: c.id,
      ip: request.ip,
    });
    return consultationView(c);
  });

  serveRoute(app, Routes.getConsultation, async (request) => {
    const staff = requireStaff(request);
    const c = await consultationForStaff(prisma, staff, request.params.consultationId, { adminMay: true });
    const [invites, participants] = await Promise.all([
      prisma.invite.findMany({ where: { consultationId: c.id }, orderBy: { createdAt: 'asc' } }),
      prisma.participant.findMany({ where: { consultationId: c.id }, orderBy: { createdAt: 'asc' } }),
    ]);
    return {
      ...consultationView(c),
      invites: invites.map(inviteView),
      participants: participants.map(participantView),
    };
  });

  serveRoute(app, Routes.endConsultation, async (request) => {
    const staff = requireStaff(request);
    return consultationView(await endConsultation(ctx, staff, request.params.consultationId, request.ip));
  });

  for (const [route, decision] of [
    [Routes.admitParticipant, 'ADMITTED'],
    [Routes.denyParticipant, 'DENIED'],
  ] as const) {
    serveRoute(app, route, async (request) => {
      const staff = requireStaff(request);
      const { consultationId, participantId } = request.params;
      await decideAdmission(ctx, staff, consultationId, participantId, decision, request.ip);
      return { ok: true as const };
    });
  }
};
