import {
  ConsultationParams,
  CreateInviteBody,
  ErrorBody,
  ErrorCode,
  Invite,
  InviteParams,
  OpenInviteBody,
  OpenInviteReply,
} from '@consulta/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordAudit } from '../audit/record.ts';
import { requireStaff } from '../auth/guards.ts';
import { assertNotEnded, consultationForStaff } from '../consultations/access.ts';
import { inviteView } from '../consultations/views.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { createInvite } from './create.ts';
import { openInvite } from './open.ts';

const tags = ['invites'];

export const inviteRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { prisma } = ctx;

  app.post(
    '/api/consultations/:consultationId/invites',
    {
      schema: {
        tags,
        params: ConsultationParams,
        body: CreateInviteBody,
        response: { 201: Invite, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request, 'CLINICIAN');
      const invite = await createInvite(ctx, staff, request.params.consultationId, request.body, request.ip);
      return reply.status(201).send(inviteView(invite));
    },
  );

  app.delete(
    '/api/consultations/:consultationId/invites/:inviteId',
    { schema: { tags, params: InviteParams, response: { 200: Invite, '4xx': ErrorBody } } },
    async (request) => {
      const staff = requireStaff(request, 'CLINICIAN');
      const c = await consultationForStaff(prisma, staff, request.params.consultationId, { adminMay: false });
      assertNotEnded(c);
      const existing = await prisma.invite.findUnique({ where: { id: request.params.inviteId } });
      if (!existing || existing.consultationId !== c.id)
        throw new AppError(ErrorCode.NotFound, 'No such invite');
      const invite = existing.revokedAt
        ? existing
        : await prisma.invite.update({ where: { id: existing.id }, data: { revokedAt: new Date() } });
      await recordAudit(prisma, {
        action: 'invite.revoke',
        actor: staff,
        targetType: 'invite',
        targetId: invite.id,
        consultationId: c.id,
        ip: request.ip,
      });
      // Whoever came in through this invite is out too.
      const guests = await prisma.participant.findMany({ where: { inviteId: invite.id } });
      for (const g of guests) ctx.rooms.remove(c.id, g.id);
      return inviteView(invite);
    },
  );

  app.post(
    '/api/invites/open',
    { schema: { tags, body: OpenInviteBody, response: { 200: OpenInviteReply, '4xx': ErrorBody } } },
    async (request, reply) => openInvite(ctx, request, reply),
  );
};
