-- Writes one bucket of a campaign split into buckets, whole: on creation and when a rebuild rewrites the
-- campaign from PostgreSQL. The rebuild first freezes every bucket (gen = 'frozen:<token>': claims,
-- reserves and credits are refused), waits until nothing is in flight (outboxes empty, the writer caught
-- up), then writes each bucket with this script; a write by a rebuild that lost its freeze to a later one
-- is refused, so two instances rebuilding at once cannot interleave. The outbox stream is left as is.
-- Redis 6.2 compatible.
-- KEYS[1] settings hash, KEYS[2] grants hash, KEYS[3] free list, KEYS[4] journal hash, KEYS[5] moves hash
-- ARGV: freeze token, new generation, total, limit, starts (epoch ms, 0 = none), ends (epoch ms, 0 = none),
--       paused (1 or 0), issued (grants of this bucket's users), seq and last (the range (seq, last]),
--       free sequences ("s,s,..." or ""), buckets (the campaign's count), the Redis servers' run ids the
--       rebuild started under (so a later check can tell no server restarted or failed over since), then pairs of userId, stored grants ("couponId:sequence:issuedAtMs,...")
-- Returns 1 when written, -1 when the bucket is not frozen by this token (nothing written).
if redis.call('HGET', KEYS[1], 'gen') ~= 'frozen:' .. ARGV[1] then
  return -1
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'total', ARGV[3], 'limit', ARGV[4], 'starts', ARGV[5], 'ends', ARGV[6],
  'paused', ARGV[7], 'issued', ARGV[8], 'seq', ARGV[9], 'last', ARGV[10], 'gen', ARGV[2], 'buckets', ARGV[12],
  'verified', ARGV[13])
for sequence in string.gmatch(ARGV[11], '[^,]+') do
  redis.call('RPUSH', KEYS[3], sequence)
end
for i = 14, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
