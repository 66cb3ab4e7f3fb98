package dev.coupongateway.relay;

import java.time.Clock;
import java.util.UUID;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.issue.CouponPublisher;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Re-sends grants whose event Kafka has not acknowledged within the grace period, so a grant reaches
 * Kafka even when the instance that made it died between the script and the send. Runs on every
 * gateway instance; a short lease per campaign keeps two relays from draining the same outbox at once,
 * and a re-send is harmless anyway (events are idempotent by {@code couponId}). A pass waits for its
 * sends (up to the send timeout) before the next one starts, so an outage does not pile up copies.
 */
@Component
class OutboxRelay implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(OutboxRelay.class);

	private static final int PAGE = 500;

	private final Outbox outbox;

	private final CouponPublisher publisher;

	private final ReactiveStringRedisTemplate redis;

	private final CouponProperties.Relay settings;

	private final boolean enabled;

	private final Clock clock;

	private final String instance = UUID.randomUUID().toString();

	private final Counter resent;

	private volatile Disposable running;

	OutboxRelay(Outbox outbox, CouponPublisher publisher, ReactiveStringRedisTemplate redis,
			CouponProperties properties, Clock clock, MeterRegistry meters) {
		this.outbox = outbox;
		this.publisher = publisher;
		this.redis = redis;
		this.settings = properties.relay();
		this.enabled = properties.plays(Role.GATEWAY);
		this.clock = clock;
		this.resent = Counter.builder("coupon.relay.resent")
			.description("Grants the outbox relay sent because no ack settled them in time")
			.register(meters);
	}

	@Override
	public void start() {
		if (!this.enabled || this.running != null) {
			return;
		}
		this.running = Flux.interval(this.settings.interval())
			.onBackpressureDrop()
			.concatMap((tick) -> pass().onErrorResume((ex) -> {
				logger.warn("Outbox relay pass failed: " + ex);
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	/** One pass over every campaign's outbox. */
	Mono<Void> pass() {
		return this.redis.opsForSet().members(CampaignKeys.ALL_CAMPAIGNS).concatMap(this::drain).then();
	}

	private Mono<Void> drain(String campaignId) {
		CampaignKeys keys = CampaignKeys.of(campaignId);
		return this.redis.opsForValue()
			.setIfAbsent(keys.relayLease(), this.instance, this.settings.lease())
			.filter(Boolean::booleanValue)
			.flatMapMany((leased) -> this.outbox.due(campaignId, this.clock.instant().minus(this.settings.grace()), PAGE))
			.flatMap((entry) -> resend(campaignId, entry), 64)
			.then();
	}

	private Mono<Void> resend(String campaignId, Outbox.Entry entry) {
		this.resent.increment();
		return this.publisher.publish(entry.event())
			.then(this.outbox.settle(campaignId, entry.id()))
			.timeout(this.settings.sendTimeout())
			.doOnError((ex) -> logger.debug("Relay send of " + entry.event().couponId() + " failed: " + ex))
			.onErrorResume((ex) -> Mono.empty());
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

}
