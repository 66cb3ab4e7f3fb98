-- Moves stock between two buckets of one campaign. A script cannot span slots, so a move is steps, each
-- atomic in one bucket's slot, and a unit of stock (a sequence number) is always in exactly one place:
-- the source's range or free list, the source's journal (reserved, in transit), or the target's free list.
--   reserve (source): take up to n sequences (free list first, then the top of the range) into the journal
--   credit  (target): put them on the target's free list, once per move; the target records the move
--                     as credited ('c') - or refuses when it was cancelled before, or its state is not
--                     the generation the mover saw (rebuilt since)
--   release (source): drop the journal entry; with give-back, the sequences return to the source
--   cancel  (target): decide a move that was never credited as cancelled ('x'), so a late credit is
--                     refused; the sweeper cancels, then releases with give-back only if not credited
-- A crash between any two steps leaves the units in the journal until the sweeper decides the move.
-- Redis 6.2 compatible.
-- KEYS[1] settings hash (seq = last sequence handed out from the range, last = top of the range,
-- gen = the state's generation, 'frozen:...' while a rebuild holds it, moves = reserves and credits made
-- here, so a reader of all buckets can tell its reads saw one moment), KEYS[2] free list, KEYS[3]
-- journal hash (source: moveId -> "target:generation:atMs:s1,s2,...") or moves hash (target: moveId -> c|x)
-- ARGV[1] step, ARGV[2] moveId, then per step:
--   reserve: ARGV[3] most units, ARGV[4] target bucket, ARGV[5] target's generation
--            returns the sequences reserved ({} when none, or the source is frozen, unchecked or gone)
--   credit:  ARGV[3] target's generation seen at reserve, ARGV[4] "s1,s2,..."
--            returns 1 credited, 0 decided before (credited or cancelled), -1 refused (frozen, rebuilt,
--            unchecked, gone)
--   release: ARGV[3] 1 to give the sequences back, 0 when they were credited
--            returns the number of sequences given back, or -1 when the journal had no such move
--   cancel:  returns 1 when the move was credited, 0 when it is now cancelled for good
local step = ARGV[1]
local function frozen(gen)
  return gen == false or string.sub(gen, 1, 7) == 'frozen:'
end
-- a bucket not checked against PostgreSQL on this server (restarted, failed over: see issue.lua) may be
-- behind: its numbers are not moved until a rebuild rewrote it
local function unchecked()
  return redis.call('HGET', KEYS[1], 'verified') ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
end

if step == 'reserve' then
  local c = redis.call('HMGET', KEYS[1], 'seq', 'last', 'gen')
  if not c[2] or frozen(c[3]) or unchecked() then
    return {}
  end
  local want = tonumber(ARGV[3])
  local taken = {}
  while #taken < want do
    local free = redis.call('RPOP', KEYS[2])
    if not free then
      break
    end
    taken[#taken + 1] = tonumber(free)
  end
  local seq, last = tonumber(c[1]), tonumber(c[2])
  while #taken < want and last > seq do
    taken[#taken + 1] = last
    last = last - 1
  end
  if #taken == 0 then
    return {}
  end
  redis.call('HSET', KEYS[1], 'last', last)
  redis.call('HINCRBY', KEYS[1], 'moves', 1)
  local time = redis.call('TIME')
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[4] .. ':' .. ARGV[5] .. ':' .. (tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)) .. ':'
    .. table.concat(taken, ','))
  return taken
end

if step == 'credit' then
  local gen = redis.call('HGET', KEYS[1], 'gen')
  if frozen(gen) or gen ~= ARGV[3] or unchecked() then
    return -1
  end
  if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then
    return 0
  end
  for sequence in string.gmatch(ARGV[4], '[^,]+') do
    redis.call('RPUSH', KEYS[2], sequence)
  end
  redis.call('HSET', KEYS[3], ARGV[2], 'c')
  redis.call('HINCRBY', KEYS[1], 'moves', 1)
  return 1
end

if step == 'release' then
  local entry = redis.call('HGET', KEYS[3], ARGV[2])
  if not entry then
    return -1
  end
  redis.call('HDEL', KEYS[3], ARGV[2])
  local given = 0
  if ARGV[3] == '1' then
    local sequences = string.match(entry, '^[^:]*:[^:]*:[^:]*:(.*)$')
    for sequence in string.gmatch(sequences, '[^,]+') do
      redis.call('RPUSH', KEYS[2], sequence)
      given = given + 1
    end
  end
  return given
end

if step == 'cancel' then
  if redis.call('HGET', KEYS[3], ARGV[2]) == 'c' then
    return 1
  end
  redis.call('HSET', KEYS[3], ARGV[2], 'x')
  return 0
end

return redis.error_reply('move.lua: unknown step ' .. tostring(step))
