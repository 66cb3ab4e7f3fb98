package dev.coupongateway.buckets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.coupongateway.campaign.BucketsWriter;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.RestorePlan;
import dev.coupongateway.campaign.StoredCoupon;
import dev.coupongateway.system.LuaScripts;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Writes the Redis state of a campaign split into buckets, whole, from what PostgreSQL
 * stored: on creation and whenever it must be rebuilt. Buckets live on different slots,
 * so no script can see the campaign at once; instead the rebuild takes a lease, freezes
 * every bucket ({@code scripts/freeze.lua}: claims and stock moves refused, 503), waits
 * until nothing is in flight (every outbox empty, the writer caught up), and writes each
 * bucket under its freeze ({@code scripts/bucket.lua}). Every sequence no stored coupon
 * has goes to exactly one bucket: the top of the stock split in ranges, the holes below
 * it dealt round.
 */
@Component
class BucketRewriter implements BucketsWriter {

	private final ReactiveStringRedisTemplate redis;

	private final RedisScript<Long> bucketScript = LuaScripts.of("bucket.lua", Long.class);

	private final RedisScript<Long> freezeScript = LuaScripts.of("freeze.lua", Long.class);

	BucketRewriter(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	@Override
	public Mono<Boolean> rewrite(Campaign campaign, Mono<List<StoredCoupon>> stored, String token) {
		List<CampaignKeys> buckets = campaign.bucketKeys();
		return Flux.fromIterable(buckets)
			.flatMap((keys) -> this.redis.execute(this.freezeScript, List.of(keys.settings()), List.of(token)))
			.thenMany(Flux.fromIterable(buckets).flatMap((keys) -> this.redis.opsForStream().size(keys.outbox())))
			.reduce(0L, Long::sum)
			.flatMap((inOutbox) -> (inOutbox > 0) ? Mono.error(busy(inOutbox + " grants not in Kafka yet")) : stored)
			.flatMapMany((coupons) -> Flux.fromIterable(plan(campaign, coupons)))
			.flatMap((bucket) -> this.redis.execute(this.bucketScript, bucket.keys().bucketKeys(), bucket.args(token)))
			.all((written) -> written == 1L)
			.flatMap((all) -> all
					? this.redis.opsForSet().add(CampaignKeys.ALL_CAMPAIGNS, campaign.id()).thenReturn(true)
					: Mono.error(busy("a later rebuild took it over")));
	}

	/**
	 * Each bucket's state from the stored coupons: its users' grants, its share of the
	 * unused sequences.
	 */
	static List<Bucket> plan(Campaign campaign, Collection<StoredCoupon> stored) {
		int count = campaign.buckets();
		RestorePlan restore = new RestorePlan();
		stored.forEach(restore::take);
		int highest = restore.highest();
		List<StringJoiner> free = new ArrayList<>();
		for (int b = 0; b < count; b++) {
			free.add(new StringJoiner(","));
		}
		int[] dealt = { 0 };
		restore.gaps().forEach((hole) -> free.get(dealt[0]++ % count).add(Integer.toString(hole)));
		Map<Integer, Map<String, List<StoredCoupon>>> byBucket = stored.stream()
			.collect(Collectors.groupingBy((coupon) -> CampaignKeys.bucketOf(coupon.userId(), count),
					Collectors.groupingBy(StoredCoupon::userId, LinkedHashMap::new, Collectors.toList())));
		long above = campaign.totalStock() - highest;
		List<Bucket> plan = new ArrayList<>();
		for (int b = 0; b < count; b++) {
			Map<String, List<StoredCoupon>> users = byBucket.getOrDefault(b, Map.of());
			int issued = users.values().stream().mapToInt(List::size).sum();
			long seq = highest + above * b / count;
			long last = highest + above * (b + 1) / count;
			plan.add(new Bucket(campaign, CampaignKeys.of(campaign.id(), b), issued, seq, last, free.get(b).toString(),
					users));
		}
		return plan;
	}

	private static ProblemException busy(String why) {
		return new ProblemException(Problem
			.unavailable("The campaign's state is being rebuilt (" + why + "); nothing was granted. Retry shortly."));
	}

	/** One bucket as {@code bucket.lua} writes it. */
	record Bucket(Campaign campaign, CampaignKeys keys, int issued, long seq, long last, String free,
			Map<String, List<StoredCoupon>> users) {

		List<String> args(String token) {
			List<String> args = new ArrayList<>(List.of(token, UUID.randomUUID().toString(),
					Integer.toString(this.campaign.totalStock()), Integer.toString(this.campaign.perUserLimit()),
					Long.toString(this.campaign.startsAtMillis()), Long.toString(this.campaign.endsAtMillis()),
					this.campaign.paused() ? "1" : "0", Integer.toString(this.issued), Long.toString(this.seq),
					Long.toString(this.last), this.free, Integer.toString(this.campaign.buckets()),
					(this.campaign.waitingRoom() != null) ? "1" : "0", Long.toString(this.campaign.version())));
			this.users.forEach((user, coupons) -> {
				args.add(user);
				args.add(RestorePlan.grants(coupons));
			});
			return args;
		}

	}

}
