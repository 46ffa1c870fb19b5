import { Health, Routes } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';

/** Liveness for load balancers and compose: 200 when the database answers, 503 with the same body otherwise. */
export const healthRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const route = Routes.health;
  // Registered by hand rather than through serveRoute: its 503 carries the Health body, not an error.
  app.get(
    route.path,
    { schema: { tags: [route.tag], summary: route.summary, response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const database = await ctx.prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      );
      return reply.status(database ? 200 : 503).send({ status: database ? 'ok' : 'degraded', database });
    },
  );
};
