import { CloseCode, closeAction, encodeMessage, SIGNALING_PATH, socketEnd } from '@consulta/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { AppContext } from '../context.ts';
import { localRoute, SignalingEdge } from './edge.ts';
import { Heartbeat } from './heartbeat.ts';
import type { Link } from './link.ts';
import { RelayRole } from './relay-role.ts';

/** Frames above this are cut by ws itself (close 1009) before we parse anything; below it we answer in kind. */
export const hardFrameLimit = (maxMessageBytes: number) => maxMessageBytes * 4;

/** The one signaling endpoint, upgraded. Authenticated by the same cookies (sessions) as REST. */
export const signalingRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { signaling } = ctx.config;
  const registry = ctx.sessions.registry;
  let nextId = 1;
  const roles = new WeakMap<WebSocket, RelayRole>();
  /** Sockets the heartbeat terminated: their close reads as 1006, but it was the server's doing, not a dead process. */
  const silenced = new WeakSet<WebSocket>();
  const heartbeat = new Heartbeat<WebSocket>({
    sockets: () => app.websocketServer.clients,
    // From what the socket was sent, so a cluster node knows this of the sockets it holds for rooms others run.
    relays: (socket) => roles.get(socket)?.relays === true,
    intervalMs: signaling.heartbeatIntervalSeconds * 1000,
    relayIntervalMs: signaling.relayHeartbeatSeconds * 1000,
    onDrop: (socket) => silenced.add(socket),
  });
  heartbeat.start();
  app.addHook('onClose', async () => heartbeat.stop());

  app.get(SIGNALING_PATH, { websocket: true, schema: { hide: true } }, (socket, request) => {
    // Browsers attach cookies to cross-site WebSocket handshakes in some cases; a page elsewhere must not ride on a
    // clinician's session. Non-browser clients send no Origin.
    if (!sameOrigin(request.headers.origin, request.headers.host)) {
      socket.close(CloseCode.CrossOrigin, 'cross-origin connections are not allowed');
      return;
    }
    const principal = request.principal;
    if (!principal) {
      socket.close(CloseCode.Unauthenticated, 'sign in or open your invite link first');
      return;
    }
    let edge: SignalingEdge | null = null;
    let closedWith: number | null = null;
    const role = new RelayRole();
    roles.set(socket, role);
    const link: Link = {
      id: nextId++,
      principal,
      ip: request.ip,
      place: { state: 'idle' },
      send: (message) => {
        role.seen(message);
        if (socket.readyState === socket.OPEN) socket.send(encodeMessage(message));
      },
      close: (code, reason) => {
        if (closedWith !== null) return;
        closedWith = code;
        socket.close(code, reason);
        // A final close (session ended, access withdrawn) takes the member out now, not when the client answers.
        if (closeAction(code) === 'final') edge?.closed('final');
      },
    };
    // Sessions that ended while this socket was being authenticated are refused here (and the socket closed).
    if (!registry.attach(link)) return;
    const gateway = ctx.cluster?.gateway;
    gateway?.attach(link);
    edge = new SignalingEdge(ctx, link, signaling, request.log, gateway ?? localRoute(ctx));
    const thisEdge = edge;
    socket.on('pong', () => heartbeat.heard(socket));
    socket.on('message', (raw, isBinary) => {
      heartbeat.heard(socket);
      thisEdge.receive(raw as Buffer, isBinary);
    });
    socket.on('close', (code: number) => {
      registry.detach(link);
      gateway?.detach(link);
      // Only the server's own verdicts end a place at once; however the client closes, it keeps its place for
      // the grace period (a reload, a network change) unless it said `leave`. How it closed says whether its
      // page (and the media it relayed) is gone. A socket the heartbeat gave up on merely dropped: its network went
      // quiet, the page may live.
      thisEdge.closed(silenced.has(socket) ? 'dropped' : socketEnd(code, closedWith));
    });
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
