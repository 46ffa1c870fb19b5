import { ErrorBody, TurnCredentials } from '@consulta/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordAudit } from '../audit/record.ts';
import { requirePrincipal } from '../auth/guards.ts';
import type { AppContext } from '../context.ts';
import { createIceServers } from '../turn/index.ts';

export const turnRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/turn/credentials',
    { schema: { tags: ['turn'], response: { 200: TurnCredentials, '4xx': ErrorBody } } },
    async (request) => {
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
    },
  );
};
