-- Sets a waiting room's rate and ticket time; a line the scheduler let go when the campaign finished
-- ('ended', expiring) is taken up again: this runs on a rebuild too, which may put stock back. The line
-- itself (who joined, who was admitted) stays as it is. Redis 6.2 compatible.
-- KEYS[1] queue hash, KEYS[2] queue-state hash, KEYS[3] admissions sorted set (see queue.lua)
-- ARGV[1] admissions a second, ARGV[2] how long a ticket is valid (ms)
-- Returns 1.
redis.call('HSET', KEYS[2], 'rate', ARGV[1], 'ttl', ARGV[2])
redis.call('HDEL', KEYS[2], 'ended')
for i = 1, 3 do redis.call('PERSIST', KEYS[i]) end
return 1
