import type { Redis } from 'ioredis';
import {
  MemorySlidingWindowRateLimiter,
  RedisSlidingWindowRateLimiter,
  type SlidingWindowRateLimiterBackend,
} from 'sliding-window-rate-limiter';

/** `token` names the counted attempt, so that `cancel` can give it back (a sign-in that succeeded). */
export type LimitVerdict = { ok: true; token: number } | { ok: false; retryAfterSeconds: number };

/**
 * "At most `max` in any `windowSeconds`" per key (a client address), as a true sliding window: a burst across a
 * fixed window's boundary cannot pass twice the limit. In memory, or in Redis when the server runs as a cluster, so
 * every process counts against the same window. (sliding-window-rate-limiter: a sorted-set log in Redis via Lua.)
 */
export class SlidingLimit {
  private readonly backend: SlidingWindowRateLimiterBackend;

  constructor(
    private readonly name: string,
    private readonly max: number,
    windowSeconds: number,
    redis: Redis | null,
  ) {
    const interval = windowSeconds * 1000;
    this.backend = redis
      ? // The library types the client with the Lua commands it defines on it at construction.
        new RedisSlidingWindowRateLimiter({ interval, redis: redis as never })
      : new MemorySlidingWindowRateLimiter({ interval });
  }

  /** Counts one attempt for `key`, unless the key is over its limit: then says how long until it may try again. */
  async hit(key: string): Promise<LimitVerdict> {
    const result = await this.backend.reserve(`${this.name}:${key}`, this.max);
    if (result.token !== undefined) return { ok: true, token: result.token };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((result.reset ?? 1000) / 1000)) };
  }

  /** Un-counts one attempt that `hit` counted. */
  async cancel(key: string, token: number): Promise<void> {
    await this.backend.cancel(`${this.name}:${key}`, token);
  }

  close(): void {
    this.backend.destroy();
  }
}
