-- Freezes one bucket of a campaign split into buckets for a rebuild (see bucket.lua): its generation
-- becomes 'frozen:<token>', so claims, reserves and credits are refused until the rebuild that holds
-- this token writes the bucket. A later rebuild's freeze takes over. Redis 6.2 compatible.
-- KEYS[1] settings hash
-- ARGV[1] the rebuild's freeze token
-- Returns 1.
redis.call('HSET', KEYS[1], 'gen', 'frozen:' .. ARGV[1]) return 1
