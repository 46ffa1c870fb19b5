import { Health } from '@consulta/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.ts';

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const database = await ctx.prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      );
      return reply.status(database ? 200 : 503).send({ status: database ? 'ok' : 'degraded', database });
    },
  );
};
