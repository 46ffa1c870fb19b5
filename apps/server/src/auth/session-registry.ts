import { CloseCode } from '@consulta/protocol';
import type { Principal } from './principal.ts';

/** A live connection as the registry sees it: whose session it belongs to, and how to close it. */
export interface SessionSocket {
  readonly principal: Principal;
  close(code: number, reason: string): void;
}

/** How long an ended session's id is remembered: covers a socket authenticated just before the end. */
const ENDED_MEMORY_MS = 10 * 60_000;

/**
 * Every open socket of this process, by the session it belongs to. Events that end a session close all of its
 * sockets at once; sockets check `isAlive` before acting, in memory. The database stays the truth: a new socket or
 * a `join` re-reads the session. (In a cluster, session ends reach every node's registry; see docs/security.md.)
 */
export class SessionRegistry {
  private readonly sockets = new Map<string, Set<SessionSocket>>();
  private readonly ended = new Map<string, number>();

  /** Registers a socket; false (and the socket closed) when its session already ended. */
  attach(socket: SessionSocket): boolean {
    const id = socket.principal.sessionId;
    if (!this.isAlive(socket.principal)) {
      socket.close(CloseCode.SessionEnded, 'your session has ended; sign in again');
      return false;
    }
    let set = this.sockets.get(id);
    if (!set) {
      set = new Set();
      this.sockets.set(id, set);
    }
    set.add(socket);
    return true;
  }

  detach(socket: SessionSocket): void {
    const id = socket.principal.sessionId;
    const set = this.sockets.get(id);
    set?.delete(socket);
    if (set?.size === 0) this.sockets.delete(id);
  }

  /** Whether a principal's session may still act: not ended here and not expired. */
  isAlive(principal: Principal): boolean {
    return !this.ended.has(principal.sessionId) && principal.expiresAt.getTime() > Date.now();
  }

  /** These sessions ended: every socket of theirs is closed with `code`, now. */
  end(sessionIds: Iterable<string>, code: number, reason: string): number {
    const now = Date.now();
    this.prune(now);
    let closed = 0;
    for (const id of sessionIds) {
      this.ended.set(id, now);
      const set = this.sockets.get(id);
      if (!set) continue;
      this.sockets.delete(id);
      for (const socket of set) {
        socket.close(code, reason);
        closed += 1;
      }
    }
    return closed;
  }

  /** Open sockets (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const set of this.sockets.values()) n += set.size;
    return n;
  }

  private prune(now: number): void {
    for (const [id, at] of this.ended) {
      if (now - at < ENDED_MEMORY_MS) break; // insertion order is time order
      this.ended.delete(id);
    }
  }
}
