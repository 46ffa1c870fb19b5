import { Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { recordAudit } from '../audit/record.ts';
import { requirePrincipal } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { createIceServers } from '../turn/index.ts';
import { serveRoute } from './serve-route.ts';

export const turnRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  serveRoute(app, Routes.turnCredentials, async (request) => {
    const p = requirePrincipal(request);
    const subject = p.kind === 'staff' ? p.userId : p.participantId;
    const result = createIceServers(ctx.config.turn, subject);
    await recordAudit(ctx.prisma, {
      action: 'turn.credentials',
      actor: p,
      ...(p.kind === 'guest' ? { consultationId: p.consultationId } : {}),
      ip: request.ip,
      details: { expiresAt: result.expiresAt },
    });
    return result;
  });
};
