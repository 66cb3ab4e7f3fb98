-- The waiting room's line of one campaign, in the campaign's slot (bucket 0). Arrival order is decided
-- here, once: a place is a number handed out by one counter. People are admitted in that order at the
-- room's rate, never faster: admissions are paid for with time (credit), which does not pile up while
-- nobody waits. Redis 6.2 compatible.
-- KEYS[1] queue hash (userId -> place), KEYS[2] queue-state hash (joined, admitted, credit, rate, ttl;
-- dropped and dropped-at: the highest place whose admission record was dropped, and that record's time;
-- ended: SOLD_OUT or ENDED once the campaign finished), KEYS[3] admissions sorted set (score: the highest
-- place an admission let in; member "place:atMs")
-- ARGV[1] step:
--   join   ARGV[2] userId: the user's place, kept if they joined before, unless their ticket expired
--          unused (then a new place at the back); no new place once the line ended
--          returns {place (0: not in line), admitted, joined, admittedAtMs (0 while waiting),
--          ended (0: no, 1: sold out, 2: ended)}, or {-1} without a waiting room
--   place  ARGV[2] userId: as join, without joining
--   admit  admits whoever the time since the last admission pays for
--          returns {newly admitted, admitted, joined}, or {-1} without a waiting room
--   retire ARGV[2] SOLD_OUT or ENDED, ARGV[3] ms: marks the line ended (watchers are told) and lets all
--          of it expire in ARGV[3] ms; returns {1}
local state = redis.call('HMGET', KEYS[2], 'joined', 'admitted', 'rate', 'ttl', 'credit', 'dropped', 'dropped-at',
  'ended')
local step = ARGV[1]
if step == 'retire' then
  redis.call('HSET', KEYS[2], 'ended', ARGV[2])
  for i = 1, 3 do
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
  return {1}
end
if not state[3] then
  return {-1}
end
local joined, admitted = tonumber(state[1] or '0'), tonumber(state[2] or '0')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function admitted_at(place)
  if place <= tonumber(state[6] or '0') then
    -- its record was dropped: its ticket expired by then (see admit), as that time says
    return tonumber(state[7])
  end
  local admission = redis.call('ZRANGEBYSCORE', KEYS[3], place, '+inf', 'LIMIT', 0, 1)[1]
  return admission and tonumber(string.match(admission, ':(%d+)$')) or 0
end

if step == 'join' or step == 'place' then
  local ended = (state[8] == 'SOLD_OUT' and 1) or (state[8] and 2) or 0
  local place = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
  local at = 0
  if place > 0 and place <= admitted then
    at = admitted_at(place)
    if step == 'join' and at + tonumber(state[4]) <= now then
      place = 0
      at = 0
    end
  end
  if place == 0 and step == 'join' and ended == 0 then
    joined = redis.call('HINCRBY', KEYS[2], 'joined', 1)
    place = joined
    redis.call('HSET', KEYS[1], ARGV[2], place)
  end
  return {place, admitted, joined, at, ended}
end

if step == 'admit' then
  local credit = tonumber(state[5] or now)
  if not state[5] or joined <= admitted or credit > now then
    -- nobody waits: the time that passes now buys nothing for later
    redis.call('HSET', KEYS[2], 'credit', now)
    return {0, admitted, joined}
  end
  local rate = tonumber(state[3])
  local count = math.min(math.floor((now - credit) * rate / 1000), joined - admitted)
  if count <= 0 then
    return {0, admitted, joined}
  end
  admitted = admitted + count
  -- exactly the time these admissions cost: the rate holds on average and never runs ahead
  redis.call('HSET', KEYS[2], 'admitted', admitted, 'credit', string.format('%.3f', credit + count * 1000 / rate))
  redis.call('ZADD', KEYS[3], admitted, admitted .. ':' .. now)
  -- the records are only read to tell when a place was admitted, that is whether its ticket expired: one
  -- whose tickets all expired is dropped (the oldest few each time, so the set holds about the last ttl of
  -- admissions), the highest place it admitted kept with its time, which admitted_at answers for all of them
  local ttl = tonumber(state[4])
  for _ = 1, 10 do
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    if not oldest[1] then
      break
    end
    local at = tonumber(string.match(oldest[1], ':(%d+)$'))
    if at + ttl > now then
      break
    end
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, 0)
    redis.call('HSET', KEYS[2], 'dropped', oldest[2], 'dropped-at', at)
  end
  return {count, admitted, joined}
end

return redis.error_reply('queue.lua: unknown step ' .. tostring(step))
