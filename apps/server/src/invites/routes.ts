import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { requireStaff } from '../auth/guards.ts';
import { inviteView } from '../consultations/views.ts';
import type { AppContext } from '../context.ts';
import { serveRoute } from '../http/serve-route.ts';
import { createInvite } from './create.ts';
import { openInvite } from './open.ts';
import { revokeInvite } from './revoke.ts';

export const inviteRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  serveRoute(app, Routes.createInvite, async (request) => {
    const staff = requireStaff(request, 'CLINICIAN');
    const invite = await createInvite(ctx, staff, request.params.consultationId, request.body, request.ip);
    return inviteView(invite);
  });

  serveRoute(app, Routes.revokeInvite, async (request) => {
    const staff = requireStaff(request, 'CLINICIAN');
    const { consultationId, inviteId } = request.params;
    return inviteView(await revokeInvite(ctx, staff, consultationId, inviteId, request.ip));
  });

  serveRoute(app, Routes.openInvite, (request, reply) => openInvite(ctx, request, reply));
};
