--[[
  Acquire a device lease, or report how long the current holder keeps it.

  Input:
    KEYS[1] lease key  (hash: token, fence)
    KEYS[2] fence key  (string: last fence handed out for the device)
    KEYS[3] slot key   (string: the latest poll slot any holder has claimed, epoch ms)

    ARGV[1] owner token
    ARGV[2] lease ttl, ms
    ARGV[3] fence and slot key ttl, ms (bounds the state of deleted devices)
    ARGV[4] the slot the caller means to poll, epoch ms, or '' for none

  Output:
    {1, fence, previousSlot}  acquired; also when the lease is already held by ARGV[1] (its TTL
                              is renewed and its existing fence returned: idempotent re-acquire).
                              previousSlot is the slot key's value before this call (-1 if none):
                              a slot at or before it was already claimed by an earlier holder and
                              must not be polled again. The slot key becomes max(previous, ARGV[4]).
    {0, remainingMs}          held by another token; remainingMs is its PTTL (-1 if it has none)

  A new fence is max(last fence + 1, server clock in microseconds). The counter alone makes
  fences increase while Redis keeps its data; the clock keeps them increasing when the counter
  is lost (restart without persistence, expiry, eviction) or rolled back (failover to a replica
  that missed the last writes), provided the Redis clock does not step back. About 1.7e15 today,
  exact in a double until the 2250s.
]]
local leaseKey = KEYS[1]
local fenceKey = KEYS[2]
local slotKey = KEYS[3]
local token = ARGV[1]
local ttl = ARGV[2]

-- Claims ARGV[4] (if later than what is recorded) and returns what was recorded before.
local function claimSlot()
  local previous = tonumber(redis.call('GET', slotKey) or '-1') or -1
  if ARGV[4] ~= '' and tonumber(ARGV[4]) > previous then
    redis.call('SET', slotKey, ARGV[4], 'PX', ARGV[3])
  end
  return previous
end

local holder = redis.call('HGET', leaseKey, 'token')
if holder then
  if holder == token then
    redis.call('PEXPIRE', leaseKey, ttl)
    return {1, tonumber(redis.call('HGET', leaseKey, 'fence')), claimSlot()}
  end
  return {0, redis.call('PTTL', leaseKey)}
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', fenceKey) or '0') or 0
local fence = math.max(last + 1, now)
-- %d, not tostring: tostring keeps 14 significant digits and would round the fence.
local encoded = string.format('%d', fence)

redis.call('SET', fenceKey, encoded, 'PX', ARGV[3])
redis.call('HSET', leaseKey, 'token', token, 'fence', encoded)
redis.call('PEXPIRE', leaseKey, ttl)
return {1, fence, claimSlot()}
