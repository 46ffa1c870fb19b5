import type { Redis } from 'ioredis';
import { fenceKey, leaseKey, stateKey } from './keys.ts';

/** Who runs a room now, and the fence it runs it under. */
export interface Lease {
  node: string;
  fence: number;
}

// Takes the lease when it is free (ARGV[4] empty) or still held exactly as the caller saw it (a dead owner's):
// the new fence is above every fence before it, and at least the current time in ms, so it keeps growing even
// when Redis restarted empty.
const TAKE = `
local cur = redis.call('GET', KEYS[1])
if ARGV[4] == '' then
  if cur then return nil end
elseif cur ~= ARGV[4] then
  return nil
end
local f = math.max((tonumber(redis.call('GET', KEYS[2])) or 0) + 1, tonumber(ARGV[2]))
local fs = string.format('%d', f)
redis.call('SET', KEYS[2], fs)
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. fs, 'PX', ARGV[3])
return fs`;

// Renews only the holder's own lease (and keeps the room's state alive with it).
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/**
 * One owner per consultation: `rooms:<id>:lease` = "<node> <fence>", set if absent with an expiry and renewed by
 * its holder. A holder that fails to renew has lost the room and must stop acting on it at once.
 */
export class RoomLeases {
  constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    private readonly leaseMs: number,
    /** How long a room's state outlives its last owner's renewal (the reconnect grace and a margin). */
    private readonly stateTtlMs: number,
  ) {}

  /** Takes a free lease; null when someone holds it. */
  acquire(room: string): Promise<number | null> {
    return this.take(room, '');
  }

  /** Takes the lease from `holder` (a node that is gone); null if the lease changed meanwhile. */
  takeOver(room: string, holder: Lease): Promise<number | null> {
    return this.take(room, value(holder));
  }

  async holder(room: string): Promise<Lease | null> {
    const raw = await this.redis.get(leaseKey(room));
    if (!raw) return null;
    const [node, fence] = raw.split(' ');
    return node && fence ? { node, fence: Number(fence) } : null;
  }

  async renew(room: string, fence: number): Promise<boolean> {
    const ok = await this.redis.eval(
      RENEW,
      2,
      leaseKey(room),
      stateKey(room),
      value({ node: this.nodeId, fence }),
      this.leaseMs,
      this.stateTtlMs,
    );
    return ok === 1;
  }

  async release(room: string, fence: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, leaseKey(room), value({ node: this.nodeId, fence }));
  }

  private async take(room: string, expected: string): Promise<number | null> {
    const fence = await this.redis.eval(
      TAKE,
      2,
      leaseKey(room),
      fenceKey(room),
      this.nodeId,
      Date.now(),
      this.leaseMs,
      expected,
    );
    return typeof fence === 'string' ? Number(fence) : null;
  }
}

const value = (lease: Lease) => `${lease.node} ${lease.fence}`;
