-- Writes a campaign's Redis state from what PostgreSQL holds: on creation (nothing stored), when the
-- state is missing (Redis lost its data), and after a Redis restart (its data may be behind).
-- KEYS[1] settings hash, KEYS[2] grants hash, KEYS[3] outbox stream (untouched), KEYS[4] free list
-- ARGV: total, limit, starts (epoch ms, 0 = none), ends (epoch ms, 0 = none), coupons stored,
--       highest stored sequence, sequences below it that no stored coupon has ("s,s,..." or ""),
--       paused (1 or 0), then pairs of userId, stored grants ("couponId:sequence:issuedAtMs" joined by ",")
-- The operator's controls (paused, starts, ends) are PostgreSQL's: written in either case.
-- Missing state: written whole; the unstored sequences go to the free list, so a grant that was lost
-- with Redis gives its coupon back to the stock instead of leaving a hole.
-- Existing state (Redis behind): merged; never lowers a counter or drops a grant Redis knows of; what
-- PostgreSQL holds beyond Redis' highest sequence is added, and holes beyond it are freed.
-- Returns 1 when anything was written, 0 when Redis already held all of it.
local function grant_sequences(entries)
  local sequences = {}
  for entry in string.gmatch(entries, '[^,]+') do
    local coupon, sequence = string.match(entry, '^([^:]+):(%d+):')
    sequences[#sequences + 1] = { coupon = coupon, sequence = tonumber(sequence), entry = entry }
  end
  return sequences
end

if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'total', ARGV[1], 'limit', ARGV[2], 'starts', ARGV[3], 'ends', ARGV[4],
    'issued', ARGV[5], 'seq', ARGV[6], 'paused', ARGV[8])
  redis.call('DEL', KEYS[4])
  for gap in string.gmatch(ARGV[7], '[^,]+') do
    redis.call('RPUSH', KEYS[4], gap)
  end
  for i = 9, #ARGV, 2 do
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
  return 1
end

local changed = 0
local controls = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'paused')
if controls[1] ~= ARGV[3] or controls[2] ~= ARGV[4] or controls[3] ~= ARGV[8] then
  redis.call('HSET', KEYS[1], 'starts', ARGV[3], 'ends', ARGV[4], 'paused', ARGV[8])
  changed = 1
end
local known = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local beyond = 0
for i = 9, #ARGV, 2 do
  local held = redis.call('HGET', KEYS[2], ARGV[i]) or ''
  local merged = held
  for _, grant in ipairs(grant_sequences(ARGV[i + 1])) do
    if not string.find(merged, grant.coupon, 1, true) then
      merged = (merged == '') and grant.entry or (merged .. ',' .. grant.entry)
      if grant.sequence > known then
        beyond = beyond + 1
      end
    end
  end
  if merged ~= held then
    redis.call('HSET', KEYS[2], ARGV[i], merged)
    changed = 1
  end
end
if tonumber(ARGV[6]) > known then
  redis.call('HINCRBY', KEYS[1], 'issued', beyond)
  redis.call('HSET', KEYS[1], 'seq', ARGV[6])
  for gap in string.gmatch(ARGV[7], '[^,]+') do
    if tonumber(gap) > known then
      redis.call('RPUSH', KEYS[4], gap)
    end
  end
  changed = 1
end
return changed
