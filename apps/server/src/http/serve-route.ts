import {
  ErrorBody,
  type RouteBody,
  type RouteParams,
  type RouteQuery,
  type RouteReply,
  type RouteSpec,
} from '@consulta/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The request as a route's handler sees it: params, query and body typed from the route's schemas. */
export type RouteRequest<R extends RouteSpec> = FastifyRequest<{
  Params: RouteParams<R>;
  Querystring: RouteQuery<R>;
  Body: RouteBody<R>;
}>;

/**
 * A JSON route returns its reply value, sent with the route's status (or one the handler set, such as health's
 * 503); a file or redirect route sends its answer itself and returns the reply.
 */
export type RouteHandler<R extends RouteSpec> = (
  request: RouteRequest<R>,
  reply: FastifyReply,
) => Promise<R['reply'] extends 'file' | 'redirect' ? FastifyReply : RouteReply<R>>;

/**
 * Registers a route from its definition in packages/protocol: method, path, validation of params, query and
 * body, the reply schema (which also serialises: fields not in the schema never leave) and its OpenAPI entry.
 */
export function serveRoute<R extends RouteSpec>(
  app: FastifyInstance,
  route: R,
  handler: RouteHandler<R>,
): void {
  const response =
    route.reply === 'file' || route.reply === 'redirect'
      ? { '4xx': ErrorBody, '5xx': ErrorBody }
      : { [route.status]: route.reply, '4xx': ErrorBody, '5xx': ErrorBody };
  app.route({
    method: route.method,
    url: route.path,
    schema: {
      tags: [route.tag],
      summary: route.summary,
      description: `Who: ${route.access}. Errors: ${route.errors.join(', ') || 'none'} (and VALIDATION_FAILED, RATE_LIMITED, INTERNAL).`,
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { querystring: route.query } : {}),
      ...(route.body && route.body !== 'bytes' ? { body: route.body } : {}),
      response,
    },
    handler: async (request, reply) => {
      const result = await handler(request as RouteRequest<R>, reply);
      if (route.reply === 'file' || route.reply === 'redirect') return result;
      // The route's success status, unless the handler chose another (health answers 503 with the same body).
      if (reply.statusCode === 200) void reply.status(route.status);
      return result;
    },
  });
}
