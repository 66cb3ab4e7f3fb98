-- Writes a campaign's Redis state, unless it is there already (first writer wins; never overwrites
-- a live counter). Used on creation (no grants) and to rebuild from PostgreSQL after Redis lost it.
-- KEYS[1] settings hash, KEYS[2] grants hash
-- ARGV: total, limit, starts (epoch ms, 0 = none), ends (epoch ms, 0 = none), issued,
--       then pairs of userId, grants ("couponId:sequence:issuedAtMs" joined by ",")
-- Returns 1 when written, 0 when the state was already there.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
for i = 6, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'limit', ARGV[2], 'starts', ARGV[3], 'ends', ARGV[4],
  'issued', ARGV[5])
return 1
