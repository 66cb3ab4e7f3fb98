-- Takes a bucket's outbox relay lease, or extends it when this instance holds it already, so one
-- instance at a time drains an outbox. Redis 6.2 compatible.
-- KEYS[1] relay lease (string: the id of the instance holding it)
-- ARGV[1] this instance's id, ARGV[2] how long the lease lasts (ms)
-- Returns 1 when this instance holds the lease now, 0 when another does.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
