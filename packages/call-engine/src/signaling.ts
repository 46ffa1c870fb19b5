// The signaling socket: one WebSocket at a time, `join` on every open (with the resume token once we have one),
// reconnect with backoff when the network drops it, stop for good on the close codes that mean "do not come back".
import {
  type BandwidthReport,
  type ClientMessage,
  CloseCode,
  closeAction,
  decodeServerMessage,
  ErrorCode,
  encodeMessage,
  type ServerMessage,
} from '@consulta/protocol';
import { backoffDelay } from './backoff.ts';
import { Emitter } from './emitter.ts';

export type SignalingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SignalingEvents {
  message: (message: ServerMessage) => void;
  state: (state: SignalingState) => void;
  /** The socket closed; `final` means no reconnect will follow. */
  close: (info: { code: number; reason: string; final: boolean }) => void;
  /** A frame the client could not decode (a server/client version mismatch). */
  invalid: (info: { message: string }) => void;
}

export interface SignalingOptions {
  url: string;
  consultationId: string;
  /** Reconnect backoff: first delay and cap, ms (default 250 and 8000), with ±25 % jitter. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Client ping every this many ms; a socket without a pong for two intervals is dropped (default 10000). */
  pingIntervalMs?: number;
  WebSocket?: typeof WebSocket;
  /** What the client has measured of its link, sent with every `join` so the newcomer's first plan uses it. */
  bandwidthForJoin?: () => BandwidthReport | undefined;
}

/** The browser's end of the signaling socket. (The server's end is its SignalingEdge.) */
export class SignalingSocket extends Emitter<SignalingEvents> {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastPong = 0;
  /** When the last ping went out (0: none on this socket yet). */
  private lastPing = 0;
  private _state: SignalingState = 'closed';
  /** From the last `joined`; sent with every later join so the server resumes our place. */
  resumeToken: string | null = null;

  constructor(private readonly options: SignalingOptions) {
    super();
  }

  get state(): SignalingState {
    return this._state;
  }

  open(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends if the socket is open; returns false (message dropped) otherwise. */
  send(message: ClientMessage): boolean {
    const s = this.socket;
    if (!s || s.readyState !== s.OPEN) return false;
    s.send(encodeMessage(message));
    return true;
  }

  /** Closes for good (after `leave`, or when the page goes away). */
  close(code: number = CloseCode.ClientClosed, reason = 'client closed'): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    if (s && s.readyState <= s.OPEN) s.close(code, reason);
    this.setState('closed');
  }

  /** Drops the socket as a network failure would (tests, and a dead socket detected by missing pongs). */
  drop(): void {
    const s = this.socket;
    if (s) s.close(CloseCode.ClientDropped, 'client dropped');
  }

  private setState(state: SignalingState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  private connect(): void {
    if (this.stopped) return;
    const Impl = this.options.WebSocket ?? WebSocket;
    this.setState(this.attempt === 0 && !this.resumeToken ? 'connecting' : 'reconnecting');
    const socket = new Impl(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.setState('open');
      this.lastPong = Date.now();
      this.lastPing = 0;
      this.startPing();
      this.sendJoin();
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (this.socket !== socket) return;
      if (typeof ev.data !== 'string') return;
      const decoded = decodeServerMessage(ev.data);
      if (!decoded.ok) {
        this.emit('invalid', { message: decoded.message });
        return;
      }
      this.onMessage(decoded.message);
    };
    socket.onclose = (ev: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      // The close code says whether to come back (packages/protocol close-codes.ts): a final verdict stops us; a
      // node going away on purpose means reconnect now (another node resumes us); anything else backs off.
      const action = this.stopped ? 'final' : closeAction(ev.code);
      const final = action === 'final';
      this.emit('close', { code: ev.code, reason: ev.reason, final });
      if (final) {
        this.stopped = true;
        this.setState('closed');
        return;
      }
      this.setState('reconnecting');
      const delay = action === 'retry-now' ? 0 : backoffDelay(this.attempt++, this.options.reconnect);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
    // Errors are followed by close; nothing to do here.
    socket.onerror = () => {};
  }

  private onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'joined':
        this.resumeToken = m.resumeToken;
        this.attempt = 0;
        break;
      case 'waiting':
        this.attempt = 0;
        break;
      case 'pong':
        this.lastPong = Date.now();
        return;
      case 'error':
        if (m.code === ErrorCode.ResumeFailed) {
          // Our place is gone (grace period over): join afresh; the engine sees a non-resumed `joined`.
          this.resumeToken = null;
          this.sendJoin();
        }
        break;
      case 'denied':
      case 'consultation-ended':
        this.stopped = true;
        break;
    }
    this.emit('message', m);
  }

  private sendJoin(): void {
    const bandwidth = this.options.bandwidthForJoin?.();
    this.send({
      type: 'join',
      consultationId: this.options.consultationId,
      ...(this.resumeToken ? { resumeToken: this.resumeToken } : {}),
      ...(bandwidth ? { bandwidth } : {}),
    });
  }

  private startPing(): void {
    const every = this.options.pingIntervalMs ?? 10_000;
    if (every <= 0) return;
    this.pingTimer = setInterval(() => {
      const now = Date.now();
      const verdict = pingVerdict({ now, every, lastPing: this.lastPing, lastPong: this.lastPong });
      if (verdict === 'drop') this.drop();
      else if (verdict === 'ping') {
        this.lastPing = now;
        this.send({ type: 'ping', t: now });
      }
    }, every);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.reconnectTimer = null;
    this.pingTimer = null;
  }
}

/**
 * What the client's ping timer does on a tick: `drop` the socket when a ping it sent has had no pong for more than
 * an interval (so about two intervals after it went out), `ping` when none is outstanding, else `wait`. Counted
 * from the ping, not from the last pong: a hidden tab's timers may fire a minute late, and counting from the last
 * pong dropped a healthy socket on every late tick (the pong to the previous ping was a minute old by then).
 */
export function pingVerdict(o: {
  now: number;
  every: number;
  lastPing: number;
  lastPong: number;
}): 'drop' | 'ping' | 'wait' {
  const outstanding = o.lastPing > 0 && o.lastPong < o.lastPing;
  if (!outstanding) return 'ping';
  return o.now - o.lastPing > o.every + 1000 ? 'drop' : 'wait';
}
