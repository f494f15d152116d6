--[[
  Acquire a device lease, or report how long the current holder keeps it.

  Input:
    KEYS[1] lease key  (hash: token, fence)
    KEYS[2] fence key  (counter)

    ARGV[1] owner token
    ARGV[2] lease ttl, ms
    ARGV[3] fence counter ttl, ms (bounds state of deleted devices)

  Output:
    {1, fence}         acquired; also when the lease is already held by ARGV[1] (its TTL is
                       renewed and its existing fence returned: idempotent re-acquire)
    {0, remainingMs}   held by another token; remainingMs is its PTTL (-1 if it has none)

  The fence counter is seeded from the server clock in microseconds whenever INCR finds it
  missing (first use, expiry, or a restart without persistence), so fences keep increasing
  across a data loss as long as the Redis clock does not go back.
]]
local leaseKey = KEYS[1]
local fenceKey = KEYS[2]
local token = ARGV[1]
local ttl = ARGV[2]

local holder = redis.call('HGET', leaseKey, 'token')
if holder then
  if holder == token then
    redis.call('PEXPIRE', leaseKey, ttl)
    return {1, tonumber(redis.call('HGET', leaseKey, 'fence'))}
  end
  return {0, redis.call('PTTL', leaseKey)}
end

local fence = redis.call('INCR', fenceKey)
if fence == 1 then
  local t = redis.call('TIME')
  local seeded = t[1] .. string.format('%06d', tonumber(t[2]))
  redis.call('SET', fenceKey, seeded)
  fence = tonumber(seeded)
end
redis.call('PEXPIRE', fenceKey, ARGV[3])

-- %d, not tostring: tostring prints 14 significant digits and would round the fence.
redis.call('HSET', leaseKey, 'token', token, 'fence', string.format('%d', fence))
redis.call('PEXPIRE', leaseKey, ttl)
return {1, fence}
