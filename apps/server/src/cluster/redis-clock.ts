// Every cluster script starts with OBSERVE (KEYS[1] = beat, KEYS[2] = up-since, ARGV[1] = gap ms): it reads
// Redis' own clock and notes a gap since the last cluster script as the start of a new "up" period. Redis that
// was stopped, unreachable or restarted (empty or not) shows as such a gap, whoever's command arrives first.
// `quiet` is how much of the quiet period after the gap is left (ms, 0: none).
export const OBSERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gap = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '')
local since = tonumber(redis.call('GET', KEYS[2]) or '')
if not last or not since or now - last >= gap then
  since = now
  redis.call('SET', KEYS[2], string.format('%d', since))
end
redis.call('SET', KEYS[1], string.format('%d', now))
local quiet = math.max(0, since + 3 * gap / 2 - now)
`;

/**
 * The timing of outage detection for a lease of `leaseMs`: leases are renewed every third of it, so only a gap of
 * two thirds of it can let a renewed lease expire; that gap starts a quiet period of a whole lease, long enough for
 * every node to reconnect (ioredis retries every 500 ms at most) and renew or reclaim its leases.
 */
export const gapMs = (leaseMs: number) => Math.ceil((2 * leaseMs) / 3);
