import {
  ConsultationDetail,
  ConsultationList,
  ConsultationParams,
  Consultation as ConsultationSchema,
  CreateConsultationBody,
  ErrorBody,
  Ok,
  ParticipantParams,
} from '@consulta/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { consultationForStaff } from './access.ts';
import { decideAdmission } from './admission.ts';
import { endConsultation } from './end.ts';
import { consultationView, inviteView, participantView } from './views.ts';

const tags = ['consultations'];

export const consultationRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;

  app.get(
    '/api/consultations',
    { schema: { tags, response: { 200: ConsultationList, '4xx': ErrorBody } } },
    async (request) => {
      const staff = requireStaff(request);
      // Clinicians see their own; admins oversee all.
      const rows = await prisma.consultation.findMany({
        where: staff.role === 'ADMIN' ? {} : { clinicianId: staff.userId },
        include: { clinician: true },
        orderBy: { createdAt: 'desc' },
        take: 200,
      });
      return { consultations: rows.map(consultationView) };
    },
  );

  app.post(
    '/api/consultations',
    {
      schema: { tags, body: CreateConsultationBody, response: { 201: ConsultationSchema, '4xx': ErrorBody } },
    },
    async (request, reply) => {
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
      return reply.status(201).send(consultationView(c));
    },
  );

  app.get(
    '/api/consultations/:consultationId',
    { schema: { tags, params: ConsultationParams, response: { 200: ConsultationDetail, '4xx': ErrorBody } } },
    async (request) => {
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
    },
  );

  app.post(
    '/api/consultations/:consultationId/end',
    { schema: { tags, params: ConsultationParams, response: { 200: ConsultationSchema, '4xx': ErrorBody } } },
    async (request) => {
      const staff = requireStaff(request);
      return consultationView(await endConsultation(ctx, staff, request.params.consultationId, request.ip));
    },
  );

  for (const [path, decision] of [
    ['admit', 'ADMITTED'],
    ['deny', 'DENIED'],
  ] as const) {
    app.post(
      `/api/consultations/:consultationId/participants/:participantId/${path}`,
      { schema: { tags, params: ParticipantParams, response: { 200: Ok, '4xx': ErrorBody } } },
      async (request) => {
        const staff = requireStaff(request);
        const { consultationId, participantId } = request.params;
        await decideAdmission(ctx, staff, consultationId, participantId, decision, request.ip);
        return { ok: true as const };
      },
    );
  }
};
