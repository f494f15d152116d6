--[[
  Prolong a lease, only for its owner.

  Input:
    KEYS[1] lease key (hash: token, fence)

    ARGV[1] owner token
    ARGV[2] fence of the owner's lease
    ARGV[3] new ttl, ms

  Output:
    1 prolonged; 0 the lease is gone or belongs to another token or fence (left untouched)
]]
local leaseKey = KEYS[1]
local held = redis.call('HMGET', leaseKey, 'token', 'fence')
if held[1] == ARGV[1] and held[2] == ARGV[2] then
  redis.call('PEXPIRE', leaseKey, ARGV[3])
  return 1
end
return 0
