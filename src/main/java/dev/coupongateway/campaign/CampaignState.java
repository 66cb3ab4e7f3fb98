package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.LuaScripts;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A campaign's state in Redis: written on creation, read for stock, rebuilt from
 * PostgreSQL when missing.
 */
@Component
public class CampaignState {

	private final ReactiveStringRedisTemplate redis;

	private final RedisScript<Long> restoreScript = LuaScripts.of("restore.lua", Long.class);

	private final RedisScript<Long> controlScript = LuaScripts.of("control.lua", Long.class);

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> fenceScript = LuaScripts.of("fence.lua", List.class);

	private final RedisScript<Long> releaseScript = LuaScripts.of("release.lua", Long.class);

	private final RedisScript<Long> roomScript = LuaScripts.of("room.lua", Long.class);

	/** Most users (with their coupons) sent in one step of a check. */
	private final int usersPerStep;

	/** Most free numbers staged in one step of a check. */
	private final int gapsPerStep;

	CampaignState(ReactiveStringRedisTemplate redis, CouponProperties properties) {
		this.redis = redis;
		this.usersPerStep = properties.rebuild().usersPerStep();
		this.gapsPerStep = properties.rebuild().gapsPerStep();
	}

	/**
	 * Checks a campaign on one slot against the coupons PostgreSQL stored
	 * ({@code stored}, a user's coupons together) and brings Redis up to it, in steps
	 * ({@code scripts/restore.lua}): everything when Redis has nothing (the numbers no
	 * stored coupon has go back to the stock), merged when Redis is behind. Runs under
	 * the campaign's rebuild lease ({@code token}); fails when the lease was lost. True
	 * when anything was written. Registers the campaign for the relay.
	 */
	Mono<Boolean> restore(Campaign campaign, Flux<StoredCoupon> stored, String token, Duration lease) {
		return write(campaign, stored, token, lease).flatMap(
				(changed) -> this.redis.opsForSet().add(CampaignKeys.ALL_CAMPAIGNS, campaign.id()).thenReturn(changed));
	}

	/**
	 * Writes a scratch campaign's state (one slot, nothing granted, checked as of now, so
	 * the claim script grants from it) under its own lease, and registers it nowhere: the
	 * relay, the sweeper and the checks never see it.
	 */
	Mono<Void> writeScratch(Campaign campaign, Duration lease) {
		return lease(campaign.id(), lease)
			.switchIfEmpty(Mono
				.error(() -> new IllegalStateException("scratch campaign " + campaign.id() + " is leased already")))
			.flatMap((token) -> write(campaign, Flux.empty(), token, lease).then(release(campaign.id(), token)));
	}

	/**
	 * Deletes every key of a scratch campaign (one slot, so one {@code DEL}); its rate
	 * limiters' keys were never written (the claim script is given no limits for it).
	 */
	Mono<Void> dropScratch(Campaign campaign) {
		return this.redis.delete(CampaignKeys.of(campaign.id()).ownKeys().toArray(String[]::new)).then();
	}

	private Mono<Boolean> write(Campaign campaign, Flux<StoredCoupon> stored, String token, Duration lease) {
		CampaignKeys keys = CampaignKeys.of(campaign.id());
		RestorePlan plan = new RestorePlan();
		AtomicLong added = new AtomicLong();
		Mono<Long> begin = step(keys, token, lease, "begin",
				List.of(Integer.toString(campaign.totalStock()), Integer.toString(campaign.perUserLimit())));
		Flux<Long> grants = stored.doOnNext(plan::take)
			.bufferUntilChanged(StoredCoupon::userId)
			.buffer(this.usersPerStep)
			.concatMap((users) -> {
				List<String> args = new ArrayList<>(users.size() * 2);
				users.forEach((coupons) -> {
					args.add(coupons.get(0).userId());
					args.add(RestorePlan.grants(coupons));
				});
				return step(keys, token, lease, "grants", args);
			}, 1)
			.doOnNext(added::addAndGet);
		Flux<Long> gaps = Flux.defer(() -> Flux.fromStream(plan.gaps().mapToObj(Integer::toString))
			.buffer(this.gapsPerStep)
			.concatMap((chunk) -> step(keys, token, lease, "gaps", chunk), 1));
		Mono<Long> finish = Mono.defer(() -> step(keys, token, lease, "finish",
				List.of(Integer.toString(plan.highest()), Long.toString(campaign.startsAtMillis()),
						Long.toString(campaign.endsAtMillis()), campaign.paused() ? "1" : "0",
						(campaign.waitingRoom() != null) ? "1" : "0", Long.toString(campaign.version()))));
		return begin.thenMany(grants).thenMany(gaps).then(finish).map((changed) -> changed == 1L || added.get() > 0);
	}

	private Mono<Long> step(CampaignKeys keys, String token, Duration lease, String step, List<String> more) {
		List<String> args = new ArrayList<>(more.size() + 3);
		args.add(step);
		args.add(token);
		args.add(Long.toString(lease.toMillis()));
		args.addAll(more);
		return this.redis.execute(this.restoreScript, keys.restoreKeys(), args)
			.next()
			.flatMap((result) -> (result < 0) ? Mono.error(new LeaseLost(keys.campaignId())) : Mono.just(result));
	}

	/**
	 * Takes the campaign's rebuild lease: the token, or empty while another instance
	 * holds it.
	 */
	Mono<String> lease(String campaignId, Duration ttl) {
		String token = UUID.randomUUID().toString();
		return this.redis.opsForValue()
			.setIfAbsent(CampaignKeys.of(campaignId).rebuildLease(), token, ttl)
			.filter(Boolean::booleanValue)
			.map((taken) -> token);
	}

	/** Gives the lease back, if still held by {@code token}. */
	Mono<Void> release(String campaignId, String token) {
		return this.redis
			.execute(this.releaseScript, List.of(CampaignKeys.of(campaignId).rebuildLease()), List.of(token))
			.then();
	}

	/**
	 * Whether each bucket's state was checked against PostgreSQL on the server it lives
	 * on now, and since when a check has been due ({@code scripts/fence.lua}).
	 */
	Mono<List<Fence>> fences(Campaign campaign, Duration markerTtl) {
		return Flux.fromIterable(campaign.bucketKeys())
			.concatMap((keys) -> this.redis
				.execute(this.fenceScript, keys.fenceKeys(), List.of(Long.toString(markerTtl.toMillis())))
				.next()
				.map((reply) -> new Fence(FenceState.values()[((Number) reply.get(0)).intValue()],
						((Number) reply.get(1)).longValue(), ((Number) reply.get(2)).longValue(),
						((Number) reply.get(3)).longValue())))
			.collectList();
	}

	/**
	 * A bucket's fence: its state, the version of its controls, since when a check is
	 * due, and Redis' time.
	 */
	record Fence(FenceState state, long version, long suspectSince, long now) {
	}

	/** What {@code scripts/fence.lua} found, in the order of its codes. */
	enum FenceState {

		NO_STATE, CHECKED, UNCHECKED, FROZEN

	}

	/**
	 * The rebuild lease was taken over by another instance: this attempt stops, writing
	 * nothing more.
	 */
	static final class LeaseLost extends RuntimeException {

		LeaseLost(String campaignId) {
			super("campaign " + campaignId + ": the rebuild lease was taken over", null, false, false);
		}

	}

	/**
	 * Coupons granted so far (in all buckets), or empty when Redis has no state for the
	 * campaign.
	 */
	Mono<Long> issued(Campaign campaign) {
		return live(campaign).map(Live::issued);
	}

	/**
	 * The campaign as Redis holds it now: grants made (summed over its buckets) and the
	 * operator's controls (which every instance sees at once, unlike its cached copy of
	 * the settings); empty when Redis has no state for it, or for one of its buckets.
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

	/**
	 * Writes the operator's controls (pause, end, whether a waiting room stands in front)
	 * into every bucket of the campaign that Redis has state for, unless a bucket holds a
	 * newer version of them.
	 */
	Mono<Void> control(Campaign campaign) {
		List<String> args = List.of(Long.toString(campaign.startsAtMillis()), Long.toString(campaign.endsAtMillis()),
				campaign.paused() ? "1" : "0", (campaign.waitingRoom() != null) ? "1" : "0",
				Long.toString(campaign.version()));
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

	/**
	 * The campaign's settings as its Redis state holds them (no name); empty when Redis
	 * has none.
	 */
	Mono<Campaign> settings(String campaignId) {
		CampaignKeys keys = CampaignKeys.of(campaignId);
		return this.redis.<String, String>opsForHash()
			.multiGet(keys.settings(), List.of("total", "limit", "starts", "ends", "paused", "buckets"))
			.filter((values) -> values.get(0) != null && values.get(1) != null)
			.zipWith(this.redis.<String, String>opsForHash().multiGet(keys.queueState(), List.of("rate", "ttl")))
			.map((both) -> {
				List<String> values = both.getT1();
				List<String> room = both.getT2();
				return new Campaign(campaignId, campaignId, Integer.parseInt(values.get(0)),
						Integer.parseInt(values.get(1)), instant(values.get(2)), instant(values.get(3)),
						"1".equals(values.get(4)), (values.get(5) != null) ? Integer.parseInt(values.get(5)) : 1,
						(room.get(0) != null && room.get(1) != null)
								? new Campaign.WaitingRoom(Integer.parseInt(room.get(0)),
										java.time.Duration.ofMillis(Long.parseLong(room.get(1))))
								: null);
			});
	}

	/**
	 * Writes the campaign's waiting room (or its absence) where the scheduler and the
	 * line read it; the line itself (who joined, who was admitted) stays as it is (no
	 * longer marked ended or expiring).
	 */
	Mono<Void> configureWaitingRoom(Campaign campaign) {
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
	 * The keys of every bucket of a campaign, from its Redis state alone (bucket 0 holds
	 * the count), for work that must go on while PostgreSQL is away; empty when Redis has
	 * no state for it.
	 */
	public Mono<List<CampaignKeys>> buckets(String campaignId) {
		return this.redis.<String, String>opsForHash()
			.multiGet(CampaignKeys.of(campaignId).settings(), List.of("total", "buckets"))
			.filter((values) -> values.get(0) != null)
			.map((values) -> CampaignKeys.all(campaignId,
					(values.get(1) != null) ? Integer.parseInt(values.get(1)) : 1));
	}

	/**
	 * Grants whose event Kafka has not acknowledged yet (entries in the outboxes of all
	 * buckets).
	 */
	Mono<Long> outboxSize(Campaign campaign) {
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

	/**
	 * Every user holding at least one grant of the campaign (HSCAN of each bucket's
	 * grants hash, in pages).
	 */
	public Flux<String> holders(Campaign campaign) {
		return Flux.fromIterable(campaign.bucketKeys())
			.concatMap((keys) -> this.redis.<String, String>opsForHash()
				.scan(keys.grants(), ScanOptions.scanOptions().count(1000).build())
				.map(Map.Entry::getKey));
	}

}
