// The Redis keys of one room (under redis.keyPrefix, which ioredis adds, also to a Lua script's KEYS).
export const leaseKey = (room: string) => `rooms:${room}:lease`;
/** The highest fence ever handed out for the room; never expires, so fences only grow. */
export const fenceKey = (room: string) => `rooms:${room}:fence`;
export const stateKey = (room: string) => `rooms:${room}:state`;
export const nodeKey = (node: string) => `nodes:${node}`;
/** Redis time (ms) of the last cluster script Redis ran, and since when it has run them without a gap. */
export const beatKey = 'cluster:beat';
export const upSinceKey = 'cluster:up-since';
