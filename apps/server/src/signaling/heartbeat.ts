// WebSocket-level heartbeats find dead peers that never send a close frame (a laptop lid shut, a phone out of
// coverage, a network that vanished). Every socket is pinged every `intervalMs` and dropped when a ping is that
// old unanswered. A tree relay is checked every `relayIntervalMs` instead: its children receive nothing while it
// is gone, and the sooner its socket is found dead, the sooner relay loss replans around it (rooms.ts,
// `relayLossMs`). Dropping is not leaving: a relay that was alive after all resumes its place, and one back
// within the relay-loss window changes no plan.

/** What the heartbeat needs of a socket (ws's WebSocket). */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
}

/** Timers fire a little late or early: a ping counts as unanswered once this share of its interval has passed. */
const SLACK = 0.9;

export class Heartbeat<S extends HeartbeatSocket> {
  /** Since when each socket has had a ping unanswered; absent when it answered (or sent anything). */
  private readonly waiting = new WeakMap<S, number>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly o: {
      sockets: () => Iterable<S>;
      /** Whether the socket's member relays others' streams in its room's plan. */
      relays: (socket: S) => boolean;
      intervalMs: number;
      relayIntervalMs: number;
      /** Told just before a silent socket is terminated (its close then reads as 1006, but the server ended it). */
      onDrop?: (socket: S) => void;
      now?: () => number;
    },
  ) {}

  start(): void {
    const every = (ms: number, onlyRelays: boolean) => {
      const timer = setInterval(() => this.check(ms, onlyRelays), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.o.intervalMs, false);
    if (this.o.relayIntervalMs < this.o.intervalMs) every(this.o.relayIntervalMs, true);
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  /** The socket answered a ping or sent a message: it is alive. */
  heard(socket: S): void {
    this.waiting.delete(socket);
  }

  /** One round: drops sockets whose ping is `intervalMs` old, pings those with none outstanding. */
  check(intervalMs: number, onlyRelays: boolean): void {
    const now = (this.o.now ?? Date.now)();
    for (const socket of this.o.sockets()) {
      if (onlyRelays && !this.o.relays(socket)) continue;
      const since = this.waiting.get(socket);
      if (since === undefined) {
        this.waiting.set(socket, now);
        socket.ping();
      } else if (now - since >= intervalMs * SLACK) {
        this.waiting.delete(socket);
        this.o.onDrop?.(socket);
        socket.terminate();
      }
    }
  }
}
