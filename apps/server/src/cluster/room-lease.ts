import type { Redis } from 'ioredis';
import { beatKey, fenceKey, leaseKey, stateKey, upSinceKey } from './keys.ts';
import { gapMs, OBSERVE } from './redis-clock.ts';

/** Who runs a room now, and the fence it runs it under. */
export interface Lease {
  node: string;
  fence: number;
}

/** Taking was refused for now: Redis has just come back, and holders get `ms` more to reclaim their rooms. */
export interface Quiet {
  waitMs: number;
}

// Takes the lease when it is free (ARGV[5] empty) or still held exactly as the caller saw it (a dead owner's):
// the new fence is above every fence before it, and at least the current time in ms, so it keeps growing even
// when Redis restarted empty. Right after an outage, every lease may have expired with its holder alive: a room
// that had a holder (or, ARGV[6], any room when the caller itself just reconnected) is not taken then.
const TAKE = `${OBSERVE}
local cur = redis.call('GET', KEYS[3])
if ARGV[5] == '' then
  if cur then return nil end
elseif cur ~= ARGV[5] then
  return nil
end
if quiet > 0 and (ARGV[5] ~= '' or ARGV[6] == '1' or redis.call('EXISTS', KEYS[4]) == 1) then
  return 'wait:' .. quiet
end
local f = math.max((tonumber(redis.call('GET', KEYS[4])) or 0) + 1, tonumber(ARGV[3]))
local fs = string.format('%d', f)
redis.call('SET', KEYS[4], fs)
redis.call('SET', KEYS[3], ARGV[2] .. ' ' .. fs, 'PX', ARGV[4])
return fs`;

// Renews the holder's own lease (and keeps the room's state alive with it). A lease that expired while nobody
// took a newer fence (Redis was away, or restarted empty) is still the holder's: it is set again. Returns 0: lost
// to a newer fence; 1: renewed; 2: renewed, but the room's state is gone from Redis (write it again).
const RENEW = `${OBSERVE}
local cur = redis.call('GET', KEYS[3])
if cur ~= ARGV[2] then
  if cur then return 0 end
  local f = tonumber(redis.call('GET', KEYS[5]) or '')
  if f and f > tonumber(ARGV[3]) then return 0 end
  redis.call('SET', KEYS[5], ARGV[3])
end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4])
if redis.call('PEXPIRE', KEYS[4], ARGV[5]) == 0 then return 2 end
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/**
 * One owner per consultation: `rooms:<id>:lease` = "<node> <fence>", set if absent with an expiry and renewed by
 * its holder. A holder whose lease went to a newer fence has lost the room and must stop acting on it at once.
 */
export class RoomLeases {
  /** Until then (ms), this node takes no room at all that may have a holder: its Redis connection just came back. */
  strictUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    private readonly leaseMs: number,
    /** How long a room's state outlives its last owner's renewal (the reconnect grace and a margin). */
    private readonly stateTtlMs: number,
  ) {}

  /** Takes a free lease; null when someone holds it (or Redis just came back). */
  async acquire(room: string): Promise<number | null> {
    const taken = await this.take(room, null);
    return typeof taken === 'number' ? taken : null;
  }

  /** Takes the lease from `holder` (a node that is gone); null if the lease changed meanwhile. */
  async takeOver(room: string, holder: Lease): Promise<number | null> {
    const taken = await this.take(room, holder);
    return typeof taken === 'number' ? taken : null;
  }

  async holder(room: string): Promise<Lease | null> {
    const raw = await this.redis.get(leaseKey(room));
    if (!raw) return null;
    const [node, fence] = raw.split(' ');
    return node && fence ? { node, fence: Number(fence) } : null;
  }

  /** 0: lost to a newer fence; 1: renewed (or reclaimed); 2: renewed, and the room's state must be written again. */
  async renew(room: string, fence: number): Promise<0 | 1 | 2> {
    const ok = await this.redis.eval(
      RENEW,
      5,
      beatKey,
      upSinceKey,
      leaseKey(room),
      stateKey(room),
      fenceKey(room),
      gapMs(this.leaseMs),
      value({ node: this.nodeId, fence }),
      fence,
      this.leaseMs,
      this.stateTtlMs,
    );
    return ok === 1 || ok === 2 ? ok : 0;
  }

  async release(room: string, fence: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, leaseKey(room), value({ node: this.nodeId, fence }));
  }

  /** The new fence; null when held (or changed); Quiet when Redis just came back and holders may reclaim. */
  async take(room: string, holder: Lease | null): Promise<number | null | Quiet> {
    const fence = await this.redis.eval(
      TAKE,
      4,
      beatKey,
      upSinceKey,
      leaseKey(room),
      fenceKey(room),
      gapMs(this.leaseMs),
      this.nodeId,
      Date.now(),
      this.leaseMs,
      holder ? value(holder) : '',
      Date.now() < this.strictUntil ? '1' : '0',
    );
    if (typeof fence !== 'string') return null;
    if (fence.startsWith('wait:')) return { waitMs: Math.max(1, Number(fence.slice(5))) };
    return Number(fence);
  }
}

const value = (lease: Lease) => `${lease.node} ${lease.fence}`;
