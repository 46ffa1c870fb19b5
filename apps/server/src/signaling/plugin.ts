import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { AppContext } from '../context.ts';
import { SignalingConnection } from './connection.ts';
import type { Link } from './link.ts';

/** Frames above this are cut by ws itself (close 1009) before we parse anything; below it we answer in kind. */
export const hardFrameLimit = (maxMessageBytes: number) => maxMessageBytes * 4;

/** The one signaling endpoint: GET /ws, upgraded. Authenticated by the same cookies as REST. */
export const signalingRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { signaling } = ctx.config;
  let nextId = 1;
  const alive = new WeakMap<WebSocket, boolean>();

  // Heartbeats at the WebSocket level find dead peers (a laptop lid closed) that never send a close frame.
  const heartbeat = setInterval(() => {
    for (const socket of app.websocketServer.clients) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, signaling.heartbeatIntervalSeconds * 1000);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    // Browsers attach cookies to cross-site WebSocket handshakes in some cases; a page elsewhere must not ride on a
    // clinician's session. Non-browser clients send no Origin.
    if (!sameOrigin(request.headers.origin, request.headers.host)) {
      socket.close(4403, 'cross-origin connections are not allowed');
      return;
    }
    const principal = request.principal;
    if (!principal) {
      socket.close(4401, 'sign in or open your invite link first');
      return;
    }
    const link: Link = {
      id: nextId++,
      principal,
      ip: request.ip,
      place: { state: 'idle' },
      send: (message) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      },
      close: (code, reason) => socket.close(code, reason),
    };
    const connection = new SignalingConnection(ctx, link, signaling, request.log);
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    socket.on('message', (raw, isBinary) => {
      alive.set(socket, true);
      connection.receive(raw as Buffer, isBinary);
    });
    socket.on('close', () => connection.closed());
  });
};

function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
