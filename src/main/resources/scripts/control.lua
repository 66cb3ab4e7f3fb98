-- Writes an operator's controls into one bucket's settings, where the claim script reads them: only
-- where the state exists (a partial settings hash would pass for a campaign), and only when they are at
-- least as new as what the bucket holds, so a slower writer (a rebuild that read PostgreSQL before the
-- change) can never undo an operator's decision. Redis 6.2 compatible.
-- KEYS[1] settings hash
-- ARGV[1] starts, ARGV[2] ends (epoch ms, 0 = none), ARGV[3] paused (1/0), ARGV[4] room (1/0: a waiting
-- room in front), ARGV[5] version of these controls (PostgreSQL's campaign.version)
-- Returns 1 when written, 0 when the bucket has no state or holds a newer version.
local c = redis.call('HMGET', KEYS[1], 'total', 'ver')
if not c[1] or tonumber(c[2] or '0') > tonumber(ARGV[5]) then
  return 0
end
redis.call('HSET', KEYS[1], 'starts', ARGV[1], 'ends', ARGV[2], 'paused', ARGV[3], 'room', ARGV[4], 'ver', ARGV[5])
return 1
