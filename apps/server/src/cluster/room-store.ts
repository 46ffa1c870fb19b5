import { isRoomSnapshot, type RoomSnapshot } from '@consulta/protocol';
import type { Redis } from 'ioredis';
import { fenceKey, stateKey } from './keys.ts';

// Writes only under the room's current fence: an owner that lost its lease (a stale holder after a pause or a
// split brain) cannot overwrite what the new owner wrote. A fence missing (or lower) means Redis lost its data
// (restarted empty) and nobody took the room since: the holder's write restores it.
const SAVE = `
local f = tonumber(redis.call('GET', KEYS[2]) or '')
if f and f > tonumber(ARGV[1]) then return 0 end
if f ~= tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const DELETE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** A room's durable state (`rooms:<id>:state`), written by its owner after every change, read by the next. */
export class RoomStore {
  constructor(
    private readonly redis: Redis,
    /** A snapshot outlives its owner's last renewal by this long (then nobody can resume into it anyway). */
    private readonly ttlMs: number,
  ) {}

  /** False when `fence` is not the room's current one: the write was refused. */
  async save(snapshot: RoomSnapshot): Promise<boolean> {
    const room = snapshot.consultationId;
    const ok = await this.redis.eval(
      SAVE,
      2,
      stateKey(room),
      fenceKey(room),
      String(snapshot.fence),
      JSON.stringify(snapshot),
      this.ttlMs,
    );
    return ok === 1;
  }

  async load(room: string): Promise<RoomSnapshot | null> {
    const raw = await this.redis.get(stateKey(room));
    if (!raw) return null;
    const value: unknown = JSON.parse(raw);
    // Written by our own nodes, but Redis is shared: a snapshot that does not fit the schema is not used.
    return isRoomSnapshot(value) ? value : null;
  }

  async delete(room: string, fence: number): Promise<boolean> {
    return (await this.redis.eval(DELETE, 2, stateKey(room), fenceKey(room), String(fence))) === 1;
  }
}
