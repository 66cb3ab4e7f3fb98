package dev.coupongateway.campaign;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import dev.coupongateway.campaign.CampaignRepository.StoredCoupon;
import dev.coupongateway.system.LuaScripts;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A campaign's state in Redis: written on creation, read for stock, rebuilt from PostgreSQL when missing. */
@Component
public class CampaignState {

	private final ReactiveStringRedisTemplate redis;

	private final RedisScript<Long> restoreScript;

	/** Sets the controls only where the settings exist: a partial settings hash would pass for a campaign. */
	private final RedisScript<Long> controlScript = RedisScript.of("""
			if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
			redis.call('HSET', KEYS[1], 'starts', ARGV[1], 'ends', ARGV[2], 'paused', ARGV[3])
			return 1""", Long.class);

	/**
	 * Sets a waiting room's rate and ticket time; a line the scheduler let go when the campaign finished
	 * ({@code ended}, expiring) is taken up again: this runs on a rebuild too, which may put stock back.
	 */
	private final RedisScript<Long> roomScript = RedisScript.of("""
			redis.call('HSET', KEYS[2], 'rate', ARGV[1], 'ttl', ARGV[2])
			redis.call('HDEL', KEYS[2], 'ended')
			for i = 1, 3 do redis.call('PERSIST', KEYS[i]) end
			return 1""", Long.class);

	public CampaignState(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
		this.restoreScript = LuaScripts.of("restore.lua", Long.class);
	}

	/**
	 * Writes the campaign's settings and stored grants to Redis: all of it when Redis has nothing (the
	 * sequences no stored coupon has go back to the stock), merged when Redis is behind; true when
	 * anything was written. Registers the campaign for the relay.
	 */
	public Mono<Boolean> restore(Campaign campaign, Collection<StoredCoupon> stored) {
		List<String> args = new ArrayList<>();
		args.add(Integer.toString(campaign.totalStock()));
		args.add(Integer.toString(campaign.perUserLimit()));
		args.add(Long.toString(epochMillis(campaign.startsAt())));
		args.add(Long.toString(epochMillis(campaign.endsAt())));
		args.add(Integer.toString(stored.size()));
		// the highest stored sequence, and the ones below it no stored coupon has (lost with Redis)
		BitSet taken = new BitSet();
		stored.forEach((coupon) -> taken.set(coupon.sequence()));
		int highest = taken.length() - 1;
		args.add(Integer.toString(Math.max(0, highest)));
		StringJoiner gaps = new StringJoiner(",");
		for (int sequence = taken.nextClearBit(1); sequence < highest; sequence = taken.nextClearBit(sequence + 1)) {
			gaps.add(Integer.toString(sequence));
		}
		args.add(gaps.toString());
		args.add(campaign.paused() ? "1" : "0");
		Map<String, List<StoredCoupon>> byUser = stored.stream()
			.collect(Collectors.groupingBy(StoredCoupon::userId, LinkedHashMap::new, Collectors.toList()));
		byUser.forEach((user, coupons) -> {
			args.add(user);
			args.add(coupons.stream()
				.sorted(java.util.Comparator.comparingInt(StoredCoupon::userSlot))
				.map((c) -> new Grant(c.couponId(), c.sequence(), c.userSlot(), c.issuedAt()).encode())
				.collect(Collectors.joining(",")));
		});
		return this.redis.execute(this.restoreScript, CampaignKeys.of(campaign.id()).scriptKeys(), args)
			.next()
			.flatMap((written) -> this.redis.opsForSet()
				.add(CampaignKeys.ALL_CAMPAIGNS, campaign.id())
				.thenReturn(written == 1L));
	}

	/** Coupons granted so far (in all buckets), or empty when Redis has no state for the campaign. */
	public Mono<Long> issued(Campaign campaign) {
		return live(campaign).map(Live::issued);
	}

	/**
	 * The campaign as Redis holds it now: grants made (summed over its buckets) and the operator's
	 * controls (which every instance sees at once, unlike its cached copy of the settings); empty when
	 * Redis has no state for it, or for one of its buckets.
	 */
	public Mono<Live> live(Campaign campaign) {
		List<String> fields = List.of("issued", "starts", "ends", "paused");
		return Flux.fromIterable(campaign.bucketKeys())
			.concatMap((keys) -> this.redis.<String, String>opsForHash().multiGet(keys.settings(), fields))
			.collectList()
			.filter((buckets) -> buckets.size() == campaign.buckets()
					&& buckets.stream().allMatch((values) -> values.get(0) != null))
			.map((buckets) -> {
				List<String> first = buckets.get(0);
				long issued = buckets.stream().mapToLong((values) -> Long.parseLong(values.get(0))).sum();
				return new Live(issued,
						campaign.controlled(instant(first.get(1)), instant(first.get(2)), "1".equals(first.get(3))));
			});
	}

	/** Writes an operator's control (pause, end) into every bucket of the campaign that Redis has state for. */
	public Mono<Void> control(Campaign campaign) {
		List<String> args = List.of(Long.toString(epochMillis(campaign.startsAt())),
				Long.toString(epochMillis(campaign.endsAt())), campaign.paused() ? "1" : "0");
		return Flux.fromIterable(campaign.bucketKeys())
			.flatMap((keys) -> this.redis.execute(this.controlScript, List.of(keys.settings()), args))
			.then();
	}

	private static Instant instant(String epochMillis) {
		long millis = (epochMillis != null) ? Long.parseLong(epochMillis) : 0;
		return (millis > 0) ? Instant.ofEpochMilli(millis) : null;
	}

	/** Grants made, and the campaign with the controls Redis holds. */
	public record Live(long issued, Campaign campaign) {
	}

	/** The campaign's settings as its Redis state holds them (no name); empty when Redis has none. */
	Mono<Campaign> settings(String campaignId) {
		CampaignKeys keys = CampaignKeys.of(campaignId);
		return this.redis.<String, String>opsForHash()
			.multiGet(keys.settings(), List.of("total", "limit", "starts", "ends", "paused", "buckets"))
			.filter((values) -> values.get(0) != null && values.get(1) != null)
			.zipWith(this.redis.<String, String>opsForHash().multiGet(keys.queueState(), List.of("rate", "ttl")))
			.map((both) -> {
				List<String> values = both.getT1();
				List<String> room = both.getT2();
				return new Campaign(campaignId, campaignId, Integer.parseInt(values.get(0)), Integer.parseInt(values.get(1)),
						instant(values.get(2)), instant(values.get(3)), "1".equals(values.get(4)),
						(values.get(5) != null) ? Integer.parseInt(values.get(5)) : 1,
						(room.get(0) != null && room.get(1) != null) ? new Campaign.WaitingRoom(Integer.parseInt(room.get(0)),
								java.time.Duration.ofMillis(Long.parseLong(room.get(1)))) : null);
			});
	}

	/**
	 * Writes the campaign's waiting room (or its absence) where the scheduler and the line read it; the
	 * line itself (who joined, who was admitted) stays as it is (no longer marked ended or expiring).
	 */
	public Mono<Void> configureWaitingRoom(Campaign campaign) {
		CampaignKeys keys = CampaignKeys.of(campaign.id());
		Campaign.WaitingRoom room = campaign.waitingRoom();
		if (room == null) {
			return this.redis.<String, String>opsForHash()
				.remove(keys.queueState(), "rate", "ttl")
				.then(this.redis.opsForSet().remove(CampaignKeys.WAITING_ROOMS, campaign.id()))
				.then();
		}
		return this.redis
			.execute(this.roomScript, keys.queueKeys(),
					List.of(Integer.toString(room.admitPerSecond()), Long.toString(room.ticketTtl().toMillis())))
			.then(this.redis.opsForSet().add(CampaignKeys.WAITING_ROOMS, campaign.id()))
			.then();
	}

	/**
	 * The keys of every bucket of a campaign, from its Redis state alone (bucket 0 holds the count), for
	 * work that must go on while PostgreSQL is away; empty when Redis has no state for it.
	 */
	public Mono<List<CampaignKeys>> buckets(String campaignId) {
		return this.redis.<String, String>opsForHash()
			.multiGet(CampaignKeys.of(campaignId).settings(), List.of("total", "buckets"))
			.filter((values) -> values.get(0) != null)
			.map((values) -> CampaignKeys.all(campaignId, (values.get(1) != null) ? Integer.parseInt(values.get(1)) : 1));
	}

	/** Grants whose event Kafka has not acknowledged yet (entries in the outboxes of all buckets). */
	public Mono<Long> outboxSize(Campaign campaign) {
		return Flux.fromIterable(campaign.bucketKeys())
			.flatMap((keys) -> this.redis.opsForStream().size(keys.outbox()))
			.reduce(0L, Long::sum);
	}

	/** The grants Redis holds for one user (in the user's bucket). */
	public Mono<List<Grant>> grants(Campaign campaign, String userId) {
		return grants(campaign.keysFor(userId), userId);
	}

	/** The grants Redis holds for one user in the user's bucket. */
	public Mono<List<Grant>> grants(CampaignKeys bucket, String userId) {
		return this.redis.<String, String>opsForHash()
			.get(bucket.grants(), userId)
			.map(Grant::parseAll)
			.defaultIfEmpty(List.of());
	}

	/** Every user holding at least one grant of the campaign (HSCAN of each bucket's grants hash, in pages). */
	public Flux<String> holders(Campaign campaign) {
		return Flux.fromIterable(campaign.bucketKeys())
			.concatMap((keys) -> this.redis.<String, String>opsForHash()
				.scan(keys.grants(), ScanOptions.scanOptions().count(1000).build())
				.map(Map.Entry::getKey));
	}

	static long epochMillis(Instant at) {
		return (at != null) ? at.toEpochMilli() : 0;
	}

}
