import type {
  ClientMessage,
  ClusterMessage,
  ClusterMessageOf,
  SocketEnd,
  SocketRef,
} from '@consulta/protocol';
import { CloseCode, ErrorCode } from '@consulta/protocol';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { SignalingRoute } from '../signaling/edge.ts';
import { handleMessage } from '../signaling/handlers.ts';
import type { Link } from '../signaling/link.ts';
import type { Bus } from './bus.ts';
import { NodeDraining, type Ownership } from './ownership.ts';
import { RemoteLink } from './remote-link.ts';

/**
 * The node that holds a socket: its edge checks every message as in one process, then the gateway hands it to
 * the room's owner, in the socket's order: in-process when that is this node, else over the bus. When the owner
 * is not listening any more (killed), this node takes the room over. Messages back from owners reach the socket
 * only under the room's newest fence, so a stale owner after a split brain cannot reach clients.
 */
export class Gateway implements SignalingRoute {
  private readonly local = new Map<number, Link>();
  private readonly bound = new WeakMap<Link, string>();
  private readonly highest = new Map<string, number>();
  /** Messages from owners dropped for an old fence (tests, logs). */
  staleDropped = 0;

  constructor(
    private readonly nodeId: string,
    private readonly ctx: AppContext,
    private readonly ownership: Ownership,
    private readonly bus: Bus,
  ) {}

  attach(link: Link): void {
    this.local.set(link.id, link);
  }

  detach(link: Link): void {
    this.local.delete(link.id);
  }

  /** This node's socket `linkId`, if still open. */
  socket(linkId: number): Link | undefined {
    return this.local.get(linkId);
  }

  sockets(): IterableIterator<Link> {
    return this.local.values();
  }

  refOf(link: Link): SocketRef {
    return link instanceof RemoteLink ? link.ref : { node: this.nodeId, linkId: link.id };
  }

  async handle(link: Link, message: ClientMessage): Promise<void> {
    if (message.type === 'join') this.bound.set(link, message.consultationId);
    const room = message.type === 'ping' ? undefined : this.bound.get(link);
    if (!room) return handleMessage(this.ctx, link, message);
    try {
      await this.onOwner(room, true, () => handleMessage(this.ctx, link, message), {
        type: 'client-message',
        consultationId: room,
        from: this.refOf(link),
        sessionId: link.principal.sessionId,
        ip: link.ip,
        message,
      });
    } catch (err) {
      // This node is handing its rooms over (SIGTERM): the socket closes with 4503 in a moment and the client
      // resumes on another node, where what it says again covers this message (its reports and paths are sent
      // again, an unanswered offer is resent on `peer-resumed`). An INTERNAL error for it, as before, only
      // alarmed: seen in CI as four engine errors in a rolling restart (media-path and receive-latency reports).
      if (err instanceof NodeDraining) return;
      throw err;
    }
  }

  async closed(link: Link, end: SocketEnd): Promise<void> {
    const room = this.bound.get(link);
    const owner = room ? await this.ownership.holder(room) : 'self';
    if (owner === 'self' || !room) return this.ctx.rooms.disconnected(link, end);
    if (owner)
      await this.bus.send(owner.node, {
        type: 'socket-closed',
        consultationId: room,
        from: this.refOf(link),
        end,
      });
  }

  /**
   * Runs `here` if this node owns the room, else sends `there` to the owner. `take`: a free room is taken (a
   * join); otherwise a room nobody runs is handled here, where it is a no-op (REST commands for a quiet room).
   */
  async onOwner(
    room: string,
    take: boolean,
    here: () => Promise<void> | void,
    there: ClusterMessage,
  ): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = take ? await this.ownership.owner(room) : await this.ownership.holder(room);
      if (owner === 'self' || owner === null) return here();
      if ((await this.bus.send(owner.node, there)) > 0) return;
      // Nobody listens on the owner's channel: that node is gone. Its lease is ours if it is still exactly its.
      if ((await this.ownership.takeOver(room, owner)) === 'self') return here();
    }
    throw new AppError(ErrorCode.Internal, 'The consultation is moving between servers; try again');
  }

  /**
   * This node stopped running `room` because another node took it (this one stalled past its lease): its sockets
   * in the room are told to reconnect and resume, which brings them to the room where it runs now.
   */
  moved(room: string): void {
    for (const link of [...this.local.values()]) {
      if (this.bound.get(link) === room)
        link.close(CloseCode.ServerRestarting, 'the consultation moved to another server; reconnect now');
    }
  }

  deliver(m: ClusterMessageOf<'deliver'>): void {
    if (this.fresh(m.consultationId, m.fence)) this.local.get(m.linkId)?.send(m.message);
  }

  close(m: ClusterMessageOf<'close'>): void {
    if (this.fresh(m.consultationId, m.fence)) this.local.get(m.linkId)?.close(m.code, m.reason);
  }

  private fresh(room: string, fence: number): boolean {
    if (fence < (this.highest.get(room) ?? 0)) {
      this.staleDropped += 1;
      return false;
    }
    this.highest.set(room, fence);
    return true;
  }
}
