import type { ServerMessage, SocketRef } from '@consulta/protocol';
import type { Principal } from '../auth/principal.ts';
import type { Link } from '../signaling/link.ts';

/** How a remote link reaches its socket: over the bus, to the node that holds it. */
export interface RemoteOutbox {
  deliver(consultationId: string, ref: SocketRef, message: ServerMessage): void;
  close(consultationId: string, ref: SocketRef, code: number, reason: string): void;
}

// Ids of remote links live in their own range, apart from this node's sockets' (1, 2, …).
let nextId = 1_000_000_000;

/**
 * A socket held by another node, as this node (the room's owner) sees it: `send` and `close` become bus messages
 * to that node. Rooms cannot tell it from a local link.
 */
export class RemoteLink implements Link {
  readonly id = nextId++;
  place: Link['place'] = { state: 'idle' };
  private closed = false;

  constructor(
    readonly ref: SocketRef,
    readonly consultationId: string,
    public principal: Principal,
    readonly ip: string,
    private readonly outbox: RemoteOutbox,
  ) {}

  send(message: ServerMessage): void {
    if (!this.closed) this.outbox.deliver(this.consultationId, this.ref, message);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.close(this.consultationId, this.ref, code, reason);
  }
}
