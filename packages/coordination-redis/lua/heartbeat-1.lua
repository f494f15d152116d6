--[[
  Record that a pod is alive and return the live pods. Times come from the Redis clock, so
  pods with skewed clocks agree on who is alive.

  Input:
    KEYS[1] members key (sorted set: pod id scored by the epoch ms its membership expires)

    ARGV[1] member: the pod id, or `<pod id>#<capacity>` when its capacity is not 1
    ARGV[2] membership ttl, ms

  Output:
    the members whose membership has not expired (including ARGV[1]), unordered
]]
local membersKey = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', membersKey, '-inf', string.format('%d', now))
redis.call('ZADD', membersKey, string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
-- Outlives every member, so a fleet that stopped leaves nothing behind.
redis.call('PEXPIRE', membersKey, ARGV[2])
return redis.call('ZRANGE', membersKey, 0, -1)
