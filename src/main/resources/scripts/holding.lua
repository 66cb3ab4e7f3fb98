-- Reads what one bucket of a campaign split into buckets holds, in one atomic step, for a refill to
-- pick the fullest bucket and tell sold out from stock in transit (see move.lua). Read-only.
-- Redis 6.2 compatible.
-- KEYS[1] settings hash (seq, last: the range (seq, last]; gen: the state's generation; moves: reserves
-- and credits made here), KEYS[2] free list, KEYS[3] journal hash (moves reserved here, not released)
-- Returns {in hand (range + free list; -1 when the bucket has no state), moves reserved and not released,
--   generation ('' when none), moves made here so far (two equal reads saw no move between)}.
local c = redis.call('HMGET', KEYS[1], 'seq', 'last', 'gen', 'moves')
if not c[2] then return {-1, 0, '', 0} end
return {tonumber(c[2]) - tonumber(c[1]) + redis.call('LLEN', KEYS[2]), redis.call('HLEN', KEYS[3]),
  c[3] or '', tonumber(c[4] or '0')}
