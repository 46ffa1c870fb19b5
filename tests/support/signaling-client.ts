import {
  type ClientMessage,
  decodeServerMessage,
  type ServerMessage,
  type ServerMessageOf,
  type ServerMessageType,
} from '@consulta/protocol';
import WebSocket from 'ws';

/** A signaling connection as a client sees it: queued incoming messages you can wait for by type. */
export class SignalingClient {
  private readonly inbox: ServerMessage[] = [];
  private readonly waiters: Array<{
    match: (m: ServerMessage) => boolean;
    resolve: (m: ServerMessage) => void;
  }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      // Decoded as the browser's engine decodes it (which drops a frame the protocol does not allow, e.g. a NaN
      // figure that JSON turned into null): a server that sends one fails the test that saw it.
      const decoded = decodeServerMessage(raw.toString());
      if (!decoded.ok)
        throw new Error(`the server sent a frame the protocol does not allow: ${decoded.message}`);
      const message = decoded.message;
      const i = this.waiters.findIndex((w) => w.match(message));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** `ca`: the CA to trust for wss:// (the compose test's Caddy internal CA). */
  static connect(baseUrl: string, cookie: string, origin?: string, ca?: string): Promise<SignalingClient> {
    const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) };
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, { headers, ...(ca ? { ca } : {}) });
    const client = new SignalingClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /**
   * Waits for the next message of `type` (and matching `where`), taking it from the queue. The default wait is
   * generous: on a loaded CI machine a join (database writes, a plan) can take several seconds, and a test that
   * fails takes a little longer to say so rather than failing when nothing is wrong.
   */
  next<T extends ServerMessageType>(
    type: T,
    where: (m: ServerMessageOf<T>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<ServerMessageOf<T>> {
    const match = (m: ServerMessage) => m.type === type && where(m as ServerMessageOf<T>);
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0] as ServerMessageOf<T>);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: ServerMessage) => {
          clearTimeout(timer);
          resolve(m as ServerMessageOf<T>);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(`timed out waiting for '${type}'; queued: ${this.inbox.map((m) => m.type).join(', ')}`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Messages received and not yet taken. */
  pending(): ServerMessage[] {
    return [...this.inbox];
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close frame, as a lost network would. */
  drop(): Promise<{ code: number; reason: string }> {
    this.socket.terminate();
    return this.closed;
  }
}
