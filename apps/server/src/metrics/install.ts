import { timingSafeEqual } from 'node:crypto';
import { ErrorCode, METRICS_PATH, Routes } from '@consulta/protocol';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError } from '../errors.ts';
import type { ServerMetrics } from './server-metrics.ts';

export interface MetricsAccess {
  /** Bearer token a scraper must send; null: only clients on loopback (e.g. `docker exec`, a local agent). */
  token: string | null;
}

/** Reads the `type` of a signaling message without parsing the whole frame again. */
const typeField = /^\s*\{\s*"type"\s*:\s*"([a-z-]{1,40})"/;
const errorCodeField = /"code"\s*:\s*"([A-Z_]{1,40})"/;

/**
 * Serves /metrics and feeds the metrics from what the app already does, observed from the outside: every signaling
 * socket the WebSocket server accepts (connections, frames in and out, error replies), and every HTTP reply (error
 * codes, TURN credentials). Call after @fastify/websocket is registered; hooks land on the root instance so they
 * see every route.
 */
export function installMetrics(app: FastifyInstance, metrics: ServerMetrics, access: MetricsAccess): void {
  app.websocketServer.on('connection', (socket: WebSocket) => {
    metrics.recordSocketOpened();
    socket.once('close', () => metrics.recordSocketClosed());
    socket.on('message', (data, isBinary) => {
      metrics.recordMessage('in', isBinary ? undefined : typeField.exec(data.toString())?.[1]);
    });
    // ws emits nothing for frames sent, so this socket's send is wrapped to see them.
    const send = socket.send.bind(socket);
    socket.send = ((data: unknown, ...rest: unknown[]) => {
      const text = typeof data === 'string' ? data : undefined;
      const type = text ? typeField.exec(text)?.[1] : undefined;
      metrics.recordMessage('out', type);
      if (type === 'error' && text)
        metrics.recordError('websocket', errorCodeField.exec(text)?.[1] ?? 'other');
      return (send as (...args: unknown[]) => void)(data, ...rest);
    }) as typeof socket.send;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      metrics.recordError('http', errorCodeField.exec(payload)?.[1] ?? 'other');
    } else if (reply.statusCode === 200 && request.routeOptions.url === Routes.turnCredentials.path) {
      metrics.recordTurnCredentials();
    }
    return payload;
  });

  // Caddy answers this path with 404, so it is only reachable inside the deployment.
  app.get(METRICS_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (access.token === null) {
      // The socket's own peer, not request.ip: X-Forwarded-For must not open it.
      const peer = request.socket.remoteAddress ?? '';
      if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(peer)) {
        throw new AppError(
          ErrorCode.Forbidden,
          'metrics are served to loopback clients only; set metrics.token',
        );
      }
    } else if (!sameSecret(request.headers.authorization ?? '', `Bearer ${access.token}`)) {
      throw new AppError(ErrorCode.Unauthenticated, 'metrics need Authorization: Bearer <metrics.token>');
    }
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
