import { luaScript } from '../../shared/redis/lua-scripts.ts';
/**
 * The Lua side of the account-wide slot pool (see upstream-slots.ts). A class's slots are one
 * sorted set: member = lease id, score = expiry in ms on the Redis server's clock (TIME), so
 * worker hosts with skewed clocks agree on when a lease has expired.
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
`;

/** KEYS: slots. ARGV: lease id, limit, lease ms. Returns 1 when the lease is held. */
export const ACQUIRE_SCRIPT = luaScript(
  'slot_acquire',
  `${NOW}
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  return 1
end
return 0
`,
);

/**
 * KEYS: slots. ARGV: limit, lease ms, lease ids... Extends each lease; one that expired (the
 * process froze, or Redis lost it in a restart) is taken again if the class has room, and
 * reported lost otherwise: its call must stop, or the account would be over its limit.
 */
export const RENEW_SCRIPT = luaScript(
  'slot_renew',
  `${NOW}
local lost = {}
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i])
  elseif redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
`,
);

/** KEYS: slots, released channel. ARGV: lease id, class queue id. Frees the slot, says so. */
export const RELEASE_SCRIPT = luaScript(
  'slot_release',
  `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('PUBLISH', KEYS[2], ARGV[2])
end
return 1
`,
);
