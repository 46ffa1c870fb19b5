import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { AppConfig } from '../config/index.ts';
import { type LimitVerdict, SlidingLimit } from '../limits/index.ts';

type Limits = AppConfig['auth']['signInLimits'];

const DAY_SECONDS = 24 * 3600;

/**
 * Slows password (and second-factor) guessing without handing attackers a switch that locks staff out:
 * - per client address, a sliding window over every attempt (spraying many accounts from one place);
 * - per account *and* address, consecutive failures past a few free ones cost a delay that doubles each time
 *   (someone guessing from one place slows to a crawl, while the owner, elsewhere, is untouched; their own
 *   success clears their counter);
 * - per account, a ceiling on failures from all addresses together, far above a person's mistakes (a botnet).
 * Unknown emails are counted exactly like known ones, so the limits say nothing about which accounts exist.
 * Only failures count anywhere: a success gives its address's attempt back (a clinic behind one NAT address
 * where everyone signs in at 8 o'clock is not an attack) and clears its pair's failures.
 * Counters live in Redis when the server runs as a cluster (rate-limiter-flexible), else in memory.
 */
export class SignInGuard {
  private readonly perAddress: SlidingLimit;
  private readonly failures: RateLimiterAbstract;
  private readonly delays: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;

  constructor(
    private readonly limits: Limits,
    redis: Redis | null,
    /** Keeps the counters of several guards (passwords, second-factor codes) apart. */
    name = 'sign-in',
  ) {
    this.perAddress = new SlidingLimit(
      `${name}-address`,
      limits.perAddress.max,
      limits.perAddress.windowSeconds,
      redis,
    );
    const store = (keyPrefix: string, points: number, duration: number) =>
      redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration })
        : new RateLimiterMemory({ keyPrefix, points, duration });
    // Consecutive failures per account+address, forgotten a day after the last one.
    this.failures = store(`${name}-fail`, Number.MAX_SAFE_INTEGER, DAY_SECONDS);
    // An imposed delay is a block of one key for the delay's length.
    this.delays = store(`${name}-delay`, 1, 1);
    this.accountFailures = store(
      `${name}-account`,
      limits.perAccountFailures.max,
      limits.perAccountFailures.windowSeconds,
    );
  }

  /** Before checking a password: may this address try this account now? Counts the attempt for the address. */
  async admit(account: string, address: string): Promise<LimitVerdict> {
    const pair = pairKey(account, address);
    const [delay, ceiling] = await Promise.all([this.delays.get(pair), this.accountFailures.get(account)]);
    const waits = [
      delay && delay.consumedPoints > 1 ? delay.msBeforeNext : 0,
      ceiling && ceiling.consumedPoints >= this.limits.perAccountFailures.max ? ceiling.msBeforeNext : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    return this.perAddress.hit(address);
  }

  /** A wrong password (or code): the pair's delay grows, the account's ceiling counts it. */
  async failed(account: string, address: string): Promise<void> {
    const pair = pairKey(account, address);
    const [count] = await Promise.all([
      this.failures.penalty(pair).then((r) => r.consumedPoints),
      this.accountFailures.penalty(account),
    ]);
    const over = count - this.limits.failuresBeforeDelay;
    if (over > 0) {
      const seconds = Math.min(this.limits.maxDelaySeconds, 2 ** (over - 1));
      await this.delays.block(pair, seconds);
    }
  }

  /**
   * Signed in: this address's failures on this account are forgotten, and the attempt `admit` counted for the
   * address (its verdict's token) is given back.
   */
  async succeeded(account: string, address: string, token: number): Promise<void> {
    const pair = pairKey(account, address);
    await Promise.all([
      this.failures.delete(pair),
      this.delays.delete(pair),
      this.perAddress.cancel(address, token),
    ]);
  }

  close(): void {
    this.perAddress.close();
  }
}

const pairKey = (account: string, address: string) => `${account}|${address}`;
