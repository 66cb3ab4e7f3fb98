-- Decides one claim in one atomic step: campaign known, user under the limit, caller under the rate
-- limits, campaign not paused, window open, stock left; on success records the grant and its outbox
-- entry. Redis 6.2 compatible.
-- A campaign split into buckets runs this in the user's bucket (its own slot); stock is per bucket.
-- KEYS[1] settings hash (total, limit, starts, ends, issued = grants made here, seq = last sequence
-- handed out from the range, last = top of the range (absent: total), paused = 1 while an operator
-- holds the campaign, gen = 'frozen:...' while a rebuild holds a bucketed campaign, verified = the run id
-- of the Redis server this state was last checked against PostgreSQL on, room = 1 while the campaign has
-- a waiting room), KEYS[2] grants
-- hash (userId -> grants), KEYS[3] outbox stream (one entry per grant until Kafka has acknowledged it),
-- KEYS[4] free list (sequences given back by a rebuild or moved in from another bucket, used first),
-- KEYS[5] the user's and KEYS[6] the client address's rate limiter (GCRA: the theoretical arrival time
-- in ms; in the campaign's slot)
-- ARGV[1] userId, ARGV[2] couponId (a UUID made by the gateway), ARGV[3] ms between a user's claims at
-- the steady rate (0 = no limit), ARGV[4] the user's burst, ARGV[5] and ARGV[6] the same per address,
-- ARGV[7] 1 when the claim carries a valid admission ticket for this user (waiting room), else 0
-- The fence: a server that restarted (a new run id: its data may be gone or behind, as an AOF or RDB
-- restored after a crash) or a replica promoted in a failover holds state that was checked on another
-- server. Whoever calls, the script grants nothing until a rebuild checked this state against
-- PostgreSQL on this very server and wrote its run id into 'verified'.
-- Returns:
--   { 1, sequence, userSlot, issuedAtMs, outboxEntryId }  GRANTED (outboxEntryId '' when this couponId
--                                          was granted already: the same call ran twice, as a client may
--                                          re-send a command after a reconnect; the first grant is returned)
--   { 0 }                                  UNKNOWN: no Redis state for the campaign, or state not checked
--                                          since this server started (rebuild, or 404)
--   {-1, grants}                           ALREADY_ISSUED: the user's "couponId:sequence:issuedAtMs,..."
--   {-2}                                   NOT_STARTED
--   {-3}                                   ENDED
--   {-4}                                   SOLD_OUT (in this bucket: others may still have stock)
--   {-5, retryAfterMs}                     RATE_LIMITED: nothing was recorded
--   {-6}                                   PAUSED
--   {-7}                                   NOT_ADMITTED: a waiting room, and no valid ticket: nothing was recorded
local c = redis.call('HMGET', KEYS[1], 'total', 'limit', 'starts', 'ends', 'issued', 'paused', 'seq', 'last', 'gen',
  'verified', 'room')
if not c[1] or (c[9] and string.sub(c[9], 1, 7) == 'frozen:') then
  return {0}
end
if c[10] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  return {0}
end
local held = redis.call('HGET', KEYS[2], ARGV[1])
local slots = 0
if held then
  for entry in string.gmatch(held, '[^,]+') do
    slots = slots + 1
    local coupon, sequence, at = string.match(entry, '^([^:]+):(%d+):(%d+)$')
    if coupon == ARGV[2] then
      return {1, tonumber(sequence), slots, tonumber(at), ''}
    end
  end
end
if slots >= tonumber(c[2]) then
  return {-1, held}
end
if c[11] == '1' and ARGV[7] ~= '1' then
  return {-7}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- GCRA: a caller may claim when its theoretical arrival time is at most burst intervals ahead of now
local function next_arrival(key, interval, burst)
  if interval <= 0 then
    return 0, 0
  end
  local arrival = math.max(tonumber(redis.call('GET', key) or '0'), now)
  return arrival + interval, arrival - burst * interval - now
end
local user_next, user_wait = next_arrival(KEYS[5], tonumber(ARGV[3]), tonumber(ARGV[4]))
local address_next, address_wait = next_arrival(KEYS[6], tonumber(ARGV[5]), tonumber(ARGV[6]))
if user_wait > 0 or address_wait > 0 then
  return {-5, math.max(user_wait, address_wait)}
end
if user_next > 0 then
  redis.call('SET', KEYS[5], user_next, 'PX', user_next - now)
end
if address_next > 0 then
  redis.call('SET', KEYS[6], address_next, 'PX', address_next - now)
end
if c[6] == '1' then
  return {-6}
end
local starts, ends = tonumber(c[3]), tonumber(c[4])
if starts > 0 and now < starts then
  return {-2}
end
if ends > 0 and now >= ends then
  return {-3}
end
-- stock here: the free list, then the range (seq, last]; the campaign's total caps any one bucket too
if tonumber(c[5]) >= tonumber(c[1])
    or (tonumber(c[7] or '0') >= tonumber(c[8] or c[1]) and redis.call('LLEN', KEYS[4]) == 0) then
  return {-4}
end
redis.call('HINCRBY', KEYS[1], 'issued', 1)
local sequence = tonumber(redis.call('LPOP', KEYS[4])) or redis.call('HINCRBY', KEYS[1], 'seq', 1)
local grant = ARGV[2] .. ':' .. sequence .. ':' .. now
if held then
  grant = held .. ',' .. grant
end
redis.call('HSET', KEYS[2], ARGV[1], grant)
local entry = redis.call('XADD', KEYS[3], '*', 'c', ARGV[2], 'u', ARGV[1], 's', sequence, 'l', slots + 1, 't', now)
return {1, sequence, slots + 1, now, entry}
