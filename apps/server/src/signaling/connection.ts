import { type ClientMessage, decodeClientMessage, ErrorCode, type ServerMessage } from '@consulta/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { TokenBucket } from '../rate-limiter.ts';
import { handleMessage } from './handlers.ts';
import type { Link } from './link.ts';

/**
 * The edge of the signaling socket: size and rate limits, validation, and strictly ordered handling, so a
 * `signal` sent right after `join` is handled after the join completed. Errors become `error` replies; the
 * connection survives them.
 */
export class SignalingConnection {
  private readonly bucket: TokenBucket;
  private queue: Promise<void> = Promise.resolve();
  private lastRateError = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly link: Link,
    private readonly limits: AppConfig['signaling'],
    private readonly log: FastifyBaseLogger,
  ) {
    this.bucket = new TokenBucket(limits.rateLimit.perSecond, limits.rateLimit.burst);
  }

  receive(raw: Buffer | string, isBinary: boolean): void {
    if (isBinary) {
      this.reply(ErrorCode.MalformedMessage, 'Send JSON text frames');
      return;
    }
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (!this.bucket.take()) {
      // One error per second at most: answering every dropped frame of a flood would be a flood of our own.
      const now = Date.now();
      if (now - this.lastRateError >= 1000) {
        this.lastRateError = now;
        this.reply(ErrorCode.RateLimited, 'Too many messages; some were dropped');
      }
      return;
    }
    if (size > this.limits.maxMessageBytes) {
      this.reply(ErrorCode.MessageTooLarge, `Messages are limited to ${this.limits.maxMessageBytes} bytes`);
      return;
    }
    const decoded = decodeClientMessage(raw.toString());
    if (!decoded.ok) {
      this.reply(decoded.code, decoded.message, decoded.ref);
      return;
    }
    const message = decoded.message;
    this.queue = this.queue.then(() => this.handle(message));
  }

  closed(): void {
    this.queue = this.queue.then(() => this.ctx.rooms.disconnected(this.link));
  }

  private async handle(message: ClientMessage): Promise<void> {
    try {
      await handleMessage(this.ctx, this.link, message);
    } catch (err) {
      const requestId = 'requestId' in message ? message.requestId : undefined;
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
