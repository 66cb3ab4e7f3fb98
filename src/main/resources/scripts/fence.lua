-- Tells whether a bucket's state was checked against PostgreSQL on the server it lives on now (see
-- issue.lua's fence), and when it was first found not to be. Redis 6.2 compatible.
-- KEYS[1] settings hash, KEYS[2] suspect marker (string: Redis time in ms when a check was first found
-- due since the last one finished; restore.lua and bucket.lua delete it)
-- ARGV[1] how long the marker lives at most (ms), so a campaign nobody asks about leaves nothing behind
-- Returns { state, version of the controls, suspect since (ms, 0 when checked), now (ms) } where state is
--   1 checked on this server, 0 no state here, 2 not checked here (restarted, failed over, or a check
--   under way), 3 frozen by a rebuild of a campaign split into buckets
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local c = redis.call('HMGET', KEYS[1], 'total', 'verified', 'gen', 'ver')
local state = 1
if not c[1] then
  state = 0
elseif c[3] and string.sub(c[3], 1, 7) == 'frozen:' then
  state = 3
elseif c[2] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  state = 2
end
local since = 0
if state ~= 1 then
  redis.call('SET', KEYS[2], now, 'NX', 'PX', ARGV[1])
  since = tonumber(redis.call('GET', KEYS[2]))
end
return { state, tonumber(c[4] or '0'), since, now }
