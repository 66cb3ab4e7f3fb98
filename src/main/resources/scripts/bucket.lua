-- Writes one bucket of a campaign split into buckets, whole: on creation and when a rebuild rewrites the
-- campaign from PostgreSQL. The rebuild first freezes every bucket (gen = 'frozen:<token>': claims,
-- reserves and credits are refused), waits until nothing is in flight (outboxes empty, the writer caught
-- up), then writes each bucket with this script; a write by a rebuild that lost its freeze to a later one
-- is refused, so two instances rebuilding at once cannot interleave. The outbox stream is left as is.
-- Redis 6.2 compatible.
-- The bucket's fence ('verified', see issue.lua) is set to the run id of the server it is written on.
-- KEYS[1] settings hash, KEYS[2] grants hash, KEYS[3] free list, KEYS[4] journal hash, KEYS[5] moves hash,
-- KEYS[6] suspect marker (see fence.lua)
-- ARGV: freeze token, new generation, total, limit, starts (epoch ms, 0 = none), ends (epoch ms, 0 = none),
--       paused (1 or 0), issued (grants of this bucket's users), seq and last (the range (seq, last]),
--       free sequences ("s,s,..." or ""), buckets (the campaign's count), room (1 or 0: a waiting room),
--       version of the controls (kept when the bucket holds a newer one), then pairs of userId, stored
--       grants ("couponId:sequence:issuedAtMs,...")
-- Returns 1 when written, -1 when the bucket is not frozen by this token (nothing written).
if redis.call('HGET', KEYS[1], 'gen') ~= 'frozen:' .. ARGV[1] then
  return -1
end
-- an operator's change that reached this bucket after the rebuild read PostgreSQL is newer: kept
local controls = { ARGV[5], ARGV[6], ARGV[7], ARGV[13], ARGV[14] }
local held = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'paused', 'room', 'ver')
if held[5] and tonumber(held[5]) > tonumber(ARGV[14]) then
  controls = { held[1], held[2], held[3], held[4] or '0', held[5] }
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('HSET', KEYS[1], 'total', ARGV[3], 'limit', ARGV[4], 'starts', controls[1], 'ends', controls[2],
  'paused', controls[3], 'room', controls[4], 'ver', controls[5], 'issued', ARGV[8], 'seq', ARGV[9],
  'last', ARGV[10], 'gen', ARGV[2], 'buckets', ARGV[12],
  'verified', string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
for sequence in string.gmatch(ARGV[11], '[^,]+') do
  redis.call('RPUSH', KEYS[3], sequence)
end
for i = 15, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
