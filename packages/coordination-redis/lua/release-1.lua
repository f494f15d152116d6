--[[
  Free a lease, only for its owner. The last-fence key is kept, so the next owner gets a
  higher fence.

  Input:
    KEYS[1] lease key (hash: token, fence)

    ARGV[1] owner token
    ARGV[2] fence of the owner's lease

  Output:
    1 released; 0 the lease is gone or belongs to another token or fence (left untouched)
]]
local leaseKey = KEYS[1]
local held = redis.call('HMGET', leaseKey, 'token', 'fence')
if held[1] == ARGV[1] and held[2] == ARGV[2] then
  redis.call('DEL', leaseKey)
  return 1
end
return 0
