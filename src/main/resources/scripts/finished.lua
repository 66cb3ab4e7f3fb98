-- Tells the outbox relay whether one bucket of a campaign is done with, judged in Redis by the rules the
-- claim script (issue.lua) applies, on the clock it uses (this server's TIME, not the gateway's), in one
-- atomic step with the outbox's length. Read-only. Redis 6.2 compatible.
-- KEYS[1] settings hash, KEYS[2] outbox stream, KEYS[3] journal hash (stock moves reserved here, in transit)
-- Returns {0} when the bucket has no state, else
--   {1, issued, total, ended, outboxLength, busy, generation}
-- ended: 1 when ends is set and this server's clock is past it (issue.lua answers ENDED from then on, so
-- no entry can be added to this outbox any more); busy: 1 while a rebuild holds the bucket (frozen) or
-- stock moved out of it is not released yet (the sweeper still has to decide it); generation: the
-- bucket's gen ('' for a campaign in one bucket), so two reads can tell a rebuild came between them.
local c = redis.call('HMGET', KEYS[1], 'total', 'issued', 'ends', 'gen')
if not c[1] then
  return {0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ends = tonumber(c[3] or '0')
local ended = 0
if ends > 0 and now >= ends then
  ended = 1
end
local busy = 0
if (c[4] and string.sub(c[4], 1, 7) == 'frozen:') or redis.call('HLEN', KEYS[3]) > 0 then
  busy = 1
end
return {1, tonumber(c[2] or '0'), tonumber(c[1]), ended, redis.call('XLEN', KEYS[2]), busy, c[4] or ''}
