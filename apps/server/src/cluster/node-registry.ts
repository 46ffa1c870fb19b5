import type { Redis } from 'ioredis';
import { beatKey, nodeKey, upSinceKey } from './keys.ts';
import { gapMs, OBSERVE } from './redis-clock.ts';

const REGISTER = `${OBSERVE}
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return 1`;

// Right after Redis was away every node's key may have expired: nobody counts as dead until the quiet period
// has let them register again.
const ALIVE = `${OBSERVE}
if quiet > 0 then return 1 end
return redis.call('EXISTS', KEYS[3])`;

/**
 * This node's presence in Redis: `nodes:<id>` with a short expiry, renewed every third of it. "Alive" means the
 * key exists, so a killed node drops out within one lease period and its rooms can be taken over.
 */
export class NodeRegistry {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    readonly nodeId: string,
    private readonly leaseMs: number,
    private readonly address: string,
  ) {}

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew().catch(() => undefined), this.leaseMs / 3);
    this.timer.unref();
  }

  async isAlive(nodeId: string): Promise<boolean> {
    const alive = await this.redis.eval(ALIVE, 3, beatKey, upSinceKey, nodeKey(nodeId), gapMs(this.leaseMs));
    return alive === 1;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.redis.del(nodeKey(this.nodeId));
  }

  /** Registers (again: also at once when the connection to Redis comes back). */
  async renew(): Promise<void> {
    const value = JSON.stringify({ address: this.address, pid: process.pid, at: Date.now() });
    await this.redis.eval(
      REGISTER,
      3,
      beatKey,
      upSinceKey,
      nodeKey(this.nodeId),
      gapMs(this.leaseMs),
      value,
      this.leaseMs,
    );
  }
}
