import {
  type ClientMessage,
  CloseCode,
  decodeClientMessage,
  ErrorCode,
  type ServerMessage,
  type SocketEnd,
} from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { TokenBucket } from '../limits/index.ts';
import { handleMessage } from './handlers.ts';
import type { Link } from './link.ts';

/**
 * Where a socket's validated messages go. One process: straight to the handlers and Rooms. A cluster: to the
 * node that runs the room (cluster/gateway.ts).
 */
export interface SignalingRoute {
  handle(link: Link, message: ClientMessage): Promise<void> | void;
  closed(link: Link, end: SocketEnd): Promise<void>;
}

export const localRoute = (ctx: AppContext): SignalingRoute => ({
  handle: (link, message) => handleMessage(ctx, link, message),
  closed: (link, end) => ctx.rooms.disconnected(link, end),
});

/**
 * The edge of one signaling socket: rate and size limits, validation, the session check, and strictly ordered
 * handling, so a `signal` sent right after `join` is handled after the join completed. Errors become `error`
 * replies; the connection survives them.
 */
export class SignalingEdge {
  private readonly bucket: TokenBucket;
  private queue: Promise<void> = Promise.resolve();
  private lastRateError = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly link: Link,
    private readonly limits: AppConfig['signaling'],
    private readonly log: FastifyBaseLogger,
    private readonly route: SignalingRoute = localRoute(ctx),
  ) {
    this.bucket = new TokenBucket(limits.rateLimit.perSecond, limits.rateLimit.burst);
  }

  receive(raw: Buffer | string, isBinary: boolean): void {
    // Every frame counts against the rate limit, whatever it holds: a flood of binary or broken frames is a flood.
    if (!this.bucket.take()) {
      // One error per second at most: answering every dropped frame of a flood would be a flood of our own.
      const now = Date.now();
      if (now - this.lastRateError >= 1000) {
        this.lastRateError = now;
        this.reply(ErrorCode.RateLimited, 'Too many messages; some were dropped');
      }
      return;
    }
    if (isBinary) {
      this.reply(ErrorCode.MalformedMessage, 'Send JSON text frames');
      return;
    }
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (size > this.limits.maxMessageBytes) {
      this.reply(ErrorCode.MessageTooLarge, `Messages are limited to ${this.limits.maxMessageBytes} bytes`);
      return;
    }
    const decoded = decodeClientMessage(raw.toString());
    if (!decoded.ok) {
      this.reply(decoded.code, decoded.message, decoded.ref);
      return;
    }
    this.accept(decoded.message);
  }

  /** A message already checked (here, or by the gateway node that holds the socket), in order. */
  accept(message: ClientMessage): void {
    this.queue = this.queue.then(() => this.handle(message));
  }

  /** The socket closed, and how (`socketEnd`): `final` when the server closed it for good (no grace). */
  closed(end: SocketEnd): void {
    this.queue = this.queue.then(() =>
      this.route
        .closed(this.link, end)
        .catch((err) => this.log.error({ err }, 'failed to handle a closed socket')),
    );
  }

  private async handle(message: ClientMessage): Promise<void> {
    const requestId = 'requestId' in message ? message.requestId : undefined;
    // A session that ended (signed out, revoked, expired) may not act, even in the moment before its socket closes.
    if (message.type !== 'ping' && !this.ctx.sessions.registry.isAlive(this.link.principal)) {
      this.reply(ErrorCode.Unauthenticated, 'Your session has ended; sign in again', message.type, requestId);
      this.link.close(CloseCode.SessionEnded, 'your session has ended; sign in again');
      return;
    }
    try {
      await this.route.handle(this.link, message);
    } catch (err) {
      if (err instanceof AppError) return this.reply(err.code, err.message, message.type, requestId);
      this.log.error({ err, type: message.type }, 'signaling handler failed');
      this.reply(ErrorCode.Internal, 'Something went wrong on our side', message.type, requestId);
    }
  }

  private reply(code: ErrorCode, message: string, ref?: string, requestId?: number): void {
    const error: ServerMessage = {
      type: 'error',
      code,
      message,
      ...(ref ? { ref } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    };
    this.link.send(error);
  }
}
