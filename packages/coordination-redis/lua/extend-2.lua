--[[
  Prolong a lease, only for its owner, and claim the slot it is about to poll.

  Input:
    KEYS[1] lease key (hash: token, fence)
    KEYS[2] slot key  (string: the latest poll slot any holder has claimed, epoch ms)

    ARGV[1] owner token
    ARGV[2] fence of the owner's lease
    ARGV[3] new ttl, ms
    ARGV[4] the slot the owner is about to poll, epoch ms, or '' for none
    ARGV[5] slot key ttl, ms

  Output:
    1 prolonged (and the slot key is max(previous, ARGV[4])); 0 the lease is gone or belongs to
    another token or fence (nothing is changed)

  The slot key outlives a release, so a pod that takes the device over after a graceful
  hand-off knows which slot its previous holder already polled.
]]
local leaseKey = KEYS[1]
local held = redis.call('HMGET', leaseKey, 'token', 'fence')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then
  return 0
end
redis.call('PEXPIRE', leaseKey, ARGV[3])
if ARGV[4] ~= '' then
  local previous = tonumber(redis.call('GET', KEYS[2]) or '-1') or -1
  if tonumber(ARGV[4]) > previous then
    redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
  end
end
return 1
