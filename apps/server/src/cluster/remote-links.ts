import { CloseCode, type ClusterMessageOf, type SnapshotSocket, type SocketRef } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { principalForSession } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { SignalingEdge, type SignalingRoute } from '../signaling/edge.ts';
import { RemoteLink, type RemoteOutbox } from './remote-link.ts';

interface Entry {
  link: RemoteLink;
  edge: SignalingEdge;
}

/**
 * The sockets of other nodes whose rooms this node runs, each with an edge of its own so its messages are
 * handled one after the other, in the order its gateway sent them.
 */
export class RemoteLinks {
  private readonly entries = new Map<string, Promise<Entry | null>>();

  constructor(
    private readonly ctx: AppContext,
    private readonly route: SignalingRoute,
    private readonly outbox: RemoteOutbox,
    private readonly log: FastifyBaseLogger,
  ) {}

  message(m: ClusterMessageOf<'client-message'>): void {
    const entry = this.entry(m.from, m.consultationId, m.sessionId, m.ip);
    entry
      .then((e) => {
        if (e) e.edge.accept(m.message);
        else this.outbox.close(m.consultationId, m.from, CloseCode.SessionEnded, 'your session has ended');
      })
      .catch((err) => this.log.error({ err }, 'failed to take a forwarded message'));
  }

  socketClosed(m: ClusterMessageOf<'socket-closed'>): void {
    const key = keyOf(m.from);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    void entry?.then((e) => e?.edge.closed(m.end));
  }

  /** A node left or died: its sockets are gone; their members wait out the grace period. */
  nodeGone(node: string): void {
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(`${node}/`)) continue;
      this.entries.delete(key);
      void entry.then((e) => e?.edge.closed('dropped'));
    }
  }

  /** Nodes this node reaches sockets on (their liveness is watched). */
  nodes(): Set<string> {
    return new Set([...this.entries.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))));
  }

  /** The link for a socket a snapshot names (a new owner rebuilding a room). */
  async forSnapshot(via: SnapshotSocket, consultationId: string): Promise<RemoteLink | null> {
    const entry = await this.entry(via, consultationId, via.sessionId, via.ip);
    return entry?.link ?? null;
  }

  private entry(
    ref: SocketRef,
    consultationId: string,
    sessionId: string,
    ip: string,
  ): Promise<Entry | null> {
    const key = keyOf(ref);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = principalForSession(this.ctx.prisma, sessionId).then((principal) => {
        if (!principal) return null;
        const link = new RemoteLink(
          { node: ref.node, linkId: ref.linkId },
          consultationId,
          principal,
          ip,
          this.outbox,
        );
        const edge = new SignalingEdge(this.ctx, link, this.ctx.config.signaling, this.log, this.route);
        return { link, edge };
      });
      this.entries.set(key, entry);
    }
    return entry;
  }
}

const keyOf = (ref: SocketRef) => `${ref.node}/${ref.linkId}`;
