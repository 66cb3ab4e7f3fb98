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

	/** Coupons granted so far, or empty when Redis has no state for the campaign. */
	public Mono<Long> issued(String campaignId) {
		return this.redis.<String, String>opsForHash()
			.get(CampaignKeys.of(campaignId).settings(), "issued")
			.map(Long::parseLong);
	}

	/**
	 * The campaign as Redis holds it now: grants made and the operator's controls (which every instance
	 * sees at once, unlike its cached copy of the settings); empty when Redis has no state for it.
	 */
	public Mono<Live> live(Campaign campaign) {
		return this.redis.<String, String>opsForHash()
			.multiGet(CampaignKeys.of(campaign.id()).settings(), List.of("issued", "starts", "ends", "paused"))
			.filter((values) -> values.get(0) != null)
			.map((values) -> new Live(Long.parseLong(values.get(0)),
					campaign.controlled(instant(values.get(1)), instant(values.get(2)), "1".equals(values.get(3)))));
	}

	/** Writes an operator's control (pause, end) into the campaign's state, if Redis has state for it. */
	public Mono<Void> control(Campaign campaign) {
		return this.redis
			.execute(this.controlScript, List.of(CampaignKeys.of(campaign.id()).settings()),
					List.of(Long.toString(epochMillis(campaign.startsAt())), Long.toString(epochMillis(campaign.endsAt())),
							campaign.paused() ? "1" : "0"))
			.then();
	}

	private static Instant instant(String epochMillis) {
		long millis = (epochMillis != null) ? Long.parseLong(epochMillis) : 0;
		return (millis > 0) ? Instant.ofEpochMilli(millis) : null;
	}

	/** Grants made, and the campaign with the controls Redis holds. */
	public record Live(long issued, Campaign campaign) {
	}

	/** Grants whose event Kafka has not acknowledged yet (entries in the outbox). */
	public Mono<Long> outboxSize(String campaignId) {
		return this.redis.opsForStream().size(CampaignKeys.of(campaignId).outbox());
	}

	/** The grants Redis holds for one user. */
	public Mono<List<Grant>> grants(String campaignId, String userId) {
		return this.redis.<String, String>opsForHash()
			.get(CampaignKeys.of(campaignId).grants(), userId)
			.map(Grant::parseAll)
			.defaultIfEmpty(List.of());
	}

	/** Every user holding at least one grant of the campaign (HSCAN of the grants hash, in pages). */
	public Flux<String> holders(String campaignId) {
		return this.redis.<String, String>opsForHash()
			.scan(CampaignKeys.of(campaignId).grants(), ScanOptions.scanOptions().count(1000).build())
			.map(Map.Entry::getKey);
	}

	private static long epochMillis(Instant at) {
		return (at != null) ? at.toEpochMilli() : 0;
	}

}
