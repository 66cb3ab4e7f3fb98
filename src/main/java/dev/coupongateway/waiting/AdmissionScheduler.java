package dev.coupongateway.waiting;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Admits people from every waiting room, every {@code coupon.waiting-room.admit-every}. One instance at a
 * time admits for a campaign (a lease in the campaign's slot, renewed while it runs, taken over when it
 * lapses); the pace itself is kept by {@code queue.lua} from Redis' clock, so even two schedulers at once
 * could not admit faster than the room's rate.
 */
@Component
class AdmissionScheduler extends PeriodicTask {

	private final ReactiveStringRedisTemplate redis;

	private final Line line;

	private final Duration lease;

	private final String instance = UUID.randomUUID().toString();

	private final MeterRegistry meters;

	private final ConcurrentMap<String, Counter> admitted = new ConcurrentHashMap<>();

	private final ConcurrentMap<String, AtomicLong> waiting = new ConcurrentHashMap<>();

	AdmissionScheduler(ReactiveStringRedisTemplate redis, Line line, CouponProperties properties, MeterRegistry meters) {
		super(properties.waitingRoom().admitEvery(), properties.plays(Role.GATEWAY));
		this.redis = redis;
		this.line = line;
		this.lease = properties.waitingRoom().lease();
		this.meters = meters;
	}

	@Override
	protected Mono<Void> run() {
		return this.redis.opsForSet()
			.members(CampaignKeys.WAITING_ROOMS)
			.concatMap((campaignId) -> leased(CampaignKeys.of(campaignId).admissionLease())
				.filter(Boolean::booleanValue)
				.flatMap((mine) -> this.line.admit(campaignId))
				.doOnNext((admission) -> {
					if (admission.count() > 0) {
						counter(campaignId).increment(admission.count());
					}
					gauge(campaignId).set(admission.joined() - admission.admitted());
				}))
			.then();
	}

	/** Takes the lease, or renews it when this instance holds it; false while another instance does. */
	private Mono<Boolean> leased(String key) {
		return this.redis.opsForValue()
			.setIfAbsent(key, this.instance, this.lease)
			.flatMap((taken) -> taken ? Mono.just(true)
					: this.redis.opsForValue()
						.get(key)
						.filter(this.instance::equals)
						.flatMap((mine) -> this.redis.expire(key, this.lease))
						.defaultIfEmpty(false));
	}

	private Counter counter(String campaignId) {
		return this.admitted.computeIfAbsent(campaignId, (id) -> Counter.builder("coupon.queue.admitted")
			.description("People admitted from a campaign's waiting room by this instance's scheduler")
			.tag("campaign", id)
			.register(this.meters));
	}

	private AtomicLong gauge(String campaignId) {
		return this.waiting.computeIfAbsent(campaignId, (id) -> {
			AtomicLong value = new AtomicLong();
			Gauge.builder("coupon.queue.waiting", value, AtomicLong::get)
				.description("People in a campaign's waiting room not admitted yet, as this instance's scheduler last saw")
				.tag("campaign", id)
				.register(this.meters);
			return value;
		});
	}

}
