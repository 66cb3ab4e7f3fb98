-- Checks a campaign on one slot against PostgreSQL and brings its Redis state up to it: on creation
-- (nothing stored), when the state is missing (Redis lost its data), and whenever the state was not
-- checked on the server it now lives on (a restart or failover: the data may be behind, as an AOF or
-- RDB restored after a crash). Redis 6.2 compatible.
-- A check is steps, each atomic, so a campaign with a million stored coupons is sent in chunks:
--   begin   creates the settings when missing, removes the fence ('verified'): from here until finish,
--           issue.lua grants nothing; remembers the highest sequence Redis had handed out ('from')
--   grants  merges a chunk of stored coupons: a coupon Redis does not hold is added to its user's grants
--           and counted in 'issued', and its number leaves the free list (Redis behind: it may have
--           freed a number a later grant, stored since, took). Never drops a grant Redis holds (it may
--           be on its way to PostgreSQL)
--   gaps    a chunk of numbers below the highest stored one that no stored coupon has: those above
--           'from' were handed out by a state Redis lost, and go back to the stock; those at or below
--           it are Redis' to know (free, or held by grants not stored yet). Staged, so a step repeated
--           after a failed attempt cannot free a number twice
--   finish  raises 'seq' to the highest stored sequence, frees the staged gaps, writes the operator's
--           controls unless Redis holds a newer version of them, and sets the fence to this server's
--           run id: claims are taken again
-- KEYS[1] settings hash, KEYS[2] grants hash, KEYS[3] free list, KEYS[4] rebuild lease (string),
-- KEYS[5] staged gaps (list), KEYS[6] suspect marker (string: when the check was found due, see fence.lua)
-- ARGV[1] step, ARGV[2] the lease token the step runs under, ARGV[3] the lease's time to live (ms: each
-- step renews it, so a long check keeps it and a dead instance's lapses), then per step:
--   begin:  ARGV[4] total, ARGV[5] per-user limit                      returns 1
--   grants: pairs of userId, stored grants ("couponId:sequence:issuedAtMs" joined by ",")
--                                                                       returns the grants added
--   gaps:   sequences                                                   returns 1
--   finish: ARGV[4] highest stored sequence, ARGV[5] starts, ARGV[6] ends (epoch ms, 0 = none),
--           ARGV[7] paused (1/0), ARGV[8] room (1/0), ARGV[9] version of these controls
--                                                                       returns 1 when seq or controls changed
-- Every step returns -1 (writing nothing) when the lease is not held by this token: another instance
-- took the check over.
if redis.call('GET', KEYS[4]) ~= ARGV[2] then
  return -1
end
redis.call('PEXPIRE', KEYS[4], ARGV[3])
local step = ARGV[1]

if step == 'begin' then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('DEL', KEYS[2], KEYS[3])
    redis.call('HSET', KEYS[1], 'total', ARGV[4], 'limit', ARGV[5], 'starts', 0, 'ends', 0, 'paused', 0,
      'issued', 0, 'seq', 0, 'buckets', 1, 'ver', 0)
  end
  redis.call('HDEL', KEYS[1], 'verified')
  redis.call('DEL', KEYS[5])
  redis.call('HSET', KEYS[1], 'from', redis.call('HGET', KEYS[1], 'seq'))
  return 1
end

if step == 'grants' then
  local added = 0
  for i = 4, #ARGV, 2 do
    local held = redis.call('HGET', KEYS[2], ARGV[i]) or ''
    local merged = held
    for entry in string.gmatch(ARGV[i + 1], '[^,]+') do
      local coupon, sequence = string.match(entry, '^([^:]+):(%d+):')
      if not string.find(merged, coupon, 1, true) then
        merged = (merged == '') and entry or (merged .. ',' .. entry)
        redis.call('LREM', KEYS[3], 0, sequence)
        added = added + 1
      end
    end
    if merged ~= held then
      redis.call('HSET', KEYS[2], ARGV[i], merged)
    end
  end
  if added > 0 then
    redis.call('HINCRBY', KEYS[1], 'issued', added)
  end
  return added
end

if step == 'gaps' then
  for i = 4, #ARGV do
    redis.call('RPUSH', KEYS[5], ARGV[i])
  end
  return 1
end

if step == 'finish' then
  local changed = 0
  local c = redis.call('HMGET', KEYS[1], 'seq', 'from', 'ver')
  local from = tonumber(c[2] or c[1] or '0')
  local highest = tonumber(ARGV[4])
  if highest > tonumber(c[1]) then
    redis.call('HSET', KEYS[1], 'seq', highest)
    changed = 1
  end
  for _, gap in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do
    if tonumber(gap) > from then
      redis.call('RPUSH', KEYS[3], gap)
    end
  end
  if tonumber(ARGV[9]) >= tonumber(c[3] or '0') then
    local now = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'paused', 'room')
    if now[1] ~= ARGV[5] or now[2] ~= ARGV[6] or now[3] ~= ARGV[7] or (now[4] or '0') ~= ARGV[8] then
      changed = 1
    end
    redis.call('HSET', KEYS[1], 'starts', ARGV[5], 'ends', ARGV[6], 'paused', ARGV[7], 'room', ARGV[8],
      'ver', ARGV[9])
  end
  redis.call('HSET', KEYS[1], 'verified', string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
  redis.call('HDEL', KEYS[1], 'from')
  redis.call('DEL', KEYS[5], KEYS[6])
  return changed
end

return redis.error_reply('restore.lua: unknown step ' .. tostring(step))
