-- Gives a campaign's rebuild lease back, only if the token still holds it: a rebuild that outlived its
-- lease must not drop the lease a later rebuild took over. Redis 6.2 compatible.
-- KEYS[1] rebuild lease (string: the token of the instance rebuilding the campaign)
-- ARGV[1] the token this rebuild took the lease with
-- Returns 1 when given back, 0 when another token (or none) holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
