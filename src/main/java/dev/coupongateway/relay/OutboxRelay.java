package dev.coupongateway.relay;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.UUID;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignState;
import dev.coupongateway.campaign.CampaignView;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.issue.Outbox;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Re-sends grants whose event Kafka has not acknowledged within the grace period, so a grant reaches
 * Kafka even when the instance that made it died between the script and the send. Runs on every
 * gateway instance, over every bucket of every campaign (read from Redis, so it needs no database); a
 * short lease per bucket keeps two relays from draining the same outbox at once,
 * and a re-send is harmless anyway (events are idempotent by {@code couponId}). A pass waits for its
 * sends (up to the send timeout) before the next one starts, so an outage does not pile up copies.
 */
@Component
class OutboxRelay extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(OutboxRelay.class);

	private static final int PAGE = 500;

	private final Outbox outbox;

	private final CampaignService campaigns;

	private final CouponPublisher publisher;

	private final ReactiveStringRedisTemplate redis;

	private final CampaignState state;

	private final CouponProperties.Relay settings;

	private final Clock clock;

	private final String instance = UUID.randomUUID().toString();

	private final Counter resent;

	/** Grants in every outbox at the end of the last pass. */
	private final AtomicLong backlog = new AtomicLong();

	OutboxRelay(Outbox outbox, CampaignService campaigns, CampaignState state, CouponPublisher publisher,
			ReactiveStringRedisTemplate redis, CouponProperties properties, Clock clock, MeterRegistry meters) {
		super(properties.relay().interval(), properties.plays(Role.GATEWAY));
		this.state = state;
		this.outbox = outbox;
		this.campaigns = campaigns;
		this.publisher = publisher;
		this.redis = redis;
		this.settings = properties.relay();
		this.clock = clock;
		this.resent = Counter.builder("coupon.relay.resent")
			.description("Grants the outbox relay sent because no ack settled them in time")
			.register(meters);
		Gauge.builder("coupon.outbox.backlog", this.backlog, AtomicLong::get)
			.description("Grants whose Kafka ack has not settled them yet, in every outbox, at the relay's last pass")
			.register(meters);
	}

	/** One pass over every campaign's outbox. */
	@Override
	protected Mono<Void> run() {
		AtomicLong pending = new AtomicLong();
		return this.redis.opsForSet()
			.members(CampaignKeys.ALL_CAMPAIGNS)
			.concatMap((campaignId) -> this.state.buckets(campaignId)
				.flatMap((buckets) -> Flux.fromIterable(buckets)
					.concatMap(this::drain)
					.then(retireIfDone(campaignId, buckets, pending))))
			.then(Mono.fromRunnable(() -> this.backlog.set(pending.get())));
	}

	private Mono<Void> drain(CampaignKeys bucket) {
		return this.redis.opsForValue()
			.setIfAbsent(bucket.relayLease(), this.instance, this.settings.lease())
			.filter(Boolean::booleanValue)
			.flatMap((leased) -> this.outbox.due(bucket, this.clock.instant().minus(this.settings.grace()), PAGE)
				.flatMap((entry) -> resend(bucket, entry), 64)
				.then());
	}

	/**
	 * A sold-out or ended campaign makes no more grants: once its outboxes are empty the relay stops
	 * looking at it. (A rebuild registers it again.)
	 */
	private Mono<Void> retireIfDone(String campaignId, List<CampaignKeys> buckets, AtomicLong backlog) {
		return Flux.fromIterable(buckets)
			.flatMap(this.outbox::size)
			.reduce(0L, Long::sum)
			.doOnNext(backlog::addAndGet)
			.filter((pending) -> pending == 0)
			.flatMap((empty) -> this.campaigns.view(campaignId))
			.filter(CampaignView::finished)
			.flatMap((finished) -> this.redis.opsForSet().remove(CampaignKeys.ALL_CAMPAIGNS, campaignId))
			.onErrorResume((ex) -> Mono.empty())
			.then();
	}

	private Mono<Void> resend(CampaignKeys bucket, Outbox.Entry entry) {
		this.resent.increment();
		return this.publisher.publish(entry.event())
			.then(this.outbox.settle(bucket, entry.id()))
			.timeout(this.settings.sendTimeout())
			.doOnError((ex) -> logger.debug("Relay send of " + entry.event().couponId() + " failed: " + ex))
			.onErrorResume((ex) -> Mono.empty());
	}

}
