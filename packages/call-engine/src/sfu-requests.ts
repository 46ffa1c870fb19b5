// Request/reply over the signaling socket for the SFU messages: each request carries a fresh `requestId`; the
// server answers with a reply naming it (`sfu-transport`, `sfu-produced`, `sfu-done`) or an `error` naming it.
import type { ClientMessage, ErrorCode, ServerMessage } from '@consulta/protocol';

type Reply = Extract<ServerMessage, { type: 'sfu-transport' | 'sfu-produced' | 'sfu-done' }>;
type Request = Extract<ClientMessage, { requestId: number }>;
/** A request as the caller writes it: the id is added here. */
type Unnumbered = Request extends infer R ? (R extends unknown ? Omit<R, 'requestId'> : never) : never;

/** The server's error code for a refused request, or what went wrong on our side. */
export type SfuRequestErrorCode = ErrorCode | 'TIMEOUT' | 'SIGNALING_CLOSED' | 'CANCELLED';

/** A refused SFU request: its code and message. */
export class SfuRequestError extends Error {
  override name = 'SfuRequestError';
  constructor(
    readonly code: SfuRequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class SfuRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly send: (message: ClientMessage) => boolean,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Sends `message` with a new request id; resolves with the reply of type `T`. */
  request<T extends Reply['type']>(message: Unnumbered, _expect: T): Promise<Extract<Reply, { type: T }>> {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new SfuRequestError('TIMEOUT', `no reply to ${message.type} in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(requestId, { resolve: resolve as (r: Reply) => void, reject, timer });
      if (!this.send({ ...message, requestId } as Request)) {
        this.settle(requestId);
        reject(new SfuRequestError('SIGNALING_CLOSED', `could not send ${message.type}`));
      }
    });
  }

  /** Input: a reply or an error from the server. Returns true when it answered one of our requests. */
  handle(message: ServerMessage): boolean {
    if (message.type === 'error') {
      if (message.requestId === undefined) return false;
      const p = this.settle(message.requestId);
      p?.reject(new SfuRequestError(message.code, message.message));
      return p !== undefined;
    }
    if (message.type !== 'sfu-transport' && message.type !== 'sfu-produced' && message.type !== 'sfu-done') {
      return false;
    }
    const p = this.settle(message.requestId);
    p?.resolve(message);
    return p !== undefined;
  }

  /** Fails every pending request (the session ended). */
  cancelAll(reason: string): void {
    for (const id of [...this.pending.keys()])
      this.settle(id)?.reject(new SfuRequestError('CANCELLED', reason));
  }

  private settle(requestId: number): Pending | undefined {
    const p = this.pending.get(requestId);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(requestId);
    return p;
  }
}
