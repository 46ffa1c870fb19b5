import type { Redis } from 'ioredis';

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

  isAlive(nodeId: string): Promise<boolean> {
    return this.redis.exists(key(nodeId)).then((n) => n === 1);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.redis.del(key(this.nodeId));
  }

  private async renew(): Promise<void> {
    const value = JSON.stringify({ address: this.address, pid: process.pid, at: Date.now() });
    await this.redis.set(key(this.nodeId), value, 'PX', this.leaseMs);
  }
}

const key = (nodeId: string) => `nodes:${nodeId}`;
