-- Writes a campaign's Redis state from what PostgreSQL (and Kafka) hold, merging into what Redis has:
-- used on creation (no grants), when the state is missing (Redis lost its data), and after a Redis
-- restart (its data may be behind). Never lowers a counter, never drops a grant Redis knows of.
-- KEYS[1] settings hash, KEYS[2] grants hash, KEYS[3] outbox stream (untouched)
-- ARGV: total, limit, starts (epoch ms, 0 = none), ends (epoch ms, 0 = none), highest sequence known,
--       then pairs of userId, grants ("couponId:sequence:issuedAtMs" joined by ",")
-- Returns 1 when anything was written, 0 when Redis already held all of it.
local changed = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'total', ARGV[1], 'limit', ARGV[2], 'starts', ARGV[3], 'ends', ARGV[4],
    'issued', ARGV[5])
  changed = 1
elseif tonumber(redis.call('HGET', KEYS[1], 'issued')) < tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'issued', ARGV[5])
  changed = 1
end
for i = 6, #ARGV, 2 do
  local held = redis.call('HGET', KEYS[2], ARGV[i])
  if not held then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    changed = 1
  else
    local merged = held
    for entry in string.gmatch(ARGV[i + 1], '[^,]+') do
      local coupon = string.match(entry, '^[^:]+')
      if not string.find(merged, coupon, 1, true) then
        merged = merged .. ',' .. entry
      end
    end
    if merged ~= held then
      redis.call('HSET', KEYS[2], ARGV[i], merged)
      changed = 1
    end
  end
end
return changed
