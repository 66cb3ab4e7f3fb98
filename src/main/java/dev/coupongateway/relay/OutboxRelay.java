package dev.coupongateway.relay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignState;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.issue.Outbox;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.LogThrottle;
import dev.coupongateway.system.LuaScripts;
import dev.coupongateway.system.PeriodicTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Re-sends grants whose event Kafka has not acknowledged within the grace period, so a
 * grant reaches Kafka even when the instance that made it died between the script and the
 * send. Runs on every gateway instance, over every bucket of every campaign (read from
 * Redis, so it needs no database); a lease per bucket keeps two relays from draining the
 * same outbox at once, and a re-send is harmless anyway (events are idempotent by
 * {@code couponId}). A drain goes on page after page, as fast as Kafka acknowledges,
 * while its lease is held and entries are due; it stops at the first page with a failed
 * send (Kafka in trouble: the next pass tries again). A campaign that fails (its shard
 * down or slow) is given up for the pass; the others go on.
 */
@Component
class OutboxRelay extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(OutboxRelay.class);

	private static final LogThrottle failures = new LogThrottle(Duration.ofSeconds(10));

	/** Takes the bucket's lease, or extends it when this instance holds it already. */
	private static final RedisScript<Long> leaseScript = LuaScripts.of("relay-lease.lua", Long.class);

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> finishedScript = LuaScripts.of("finished.lua", List.class);

	private final Outbox outbox;

	private final CouponPublisher publisher;

	private final ReactiveStringRedisTemplate redis;

	private final CampaignState state;

	private final CouponProperties.Relay settings;

	private final Clock clock;

	private final String instance = UUID.randomUUID().toString();

	private final Counter resent;

	/** Grants in every outbox at the end of the last pass. */
	private final AtomicLong backlog = new AtomicLong();

	OutboxRelay(Outbox outbox, CampaignState state, CouponPublisher publisher, ReactiveStringRedisTemplate redis,
			CouponProperties properties, Clock clock, MeterRegistry meters) {
		super(properties.relay().interval(), properties.plays(Role.GATEWAY));
		this.state = state;
		this.outbox = outbox;
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
			.collectList()
			.timeout(this.settings.redisTimeout())
			.flatMapMany(Flux::fromIterable)
			.flatMap((campaignId) -> relay(campaignId, pending), this.settings.campaignsAtOnce())
			.then(Mono.fromRunnable(() -> this.backlog.set(pending.get())));
	}

	/**
	 * Drains every bucket of one campaign, then retires it if it is done with; a failure
	 * stays here.
	 */
	private Mono<Void> relay(String campaignId, AtomicLong pending) {
		return this.state.buckets(campaignId)
			.timeout(this.settings.redisTimeout())
			.flatMap((buckets) -> Flux.fromIterable(buckets)
				.concatMap(this::drain)
				.then(retireIfDone(campaignId, buckets, pending)))
			.onErrorResume((ex) -> {
				if (failures.due(campaignId)) {
					logger.warn("Outbox relay skipped campaign " + campaignId + " this pass, the others go on: "
							+ NestedExceptionUtils.getMostSpecificCause(ex));
				}
				return Mono.empty();
			});
	}

	/**
	 * Sends a bucket's due entries, page after page, while this instance holds the
	 * bucket's lease.
	 */
	private Mono<Void> drain(CampaignKeys bucket) {
		Instant before = this.clock.instant().minus(this.settings.grace());
		return lease(bucket).filter(Boolean::booleanValue)
			.flatMap((leased) -> page(bucket, before, null)
				.expand((page) -> page.more() ? lease(bucket).filter(Boolean::booleanValue)
					.flatMap((stillLeased) -> page(bucket, before, page.last())) : Mono.empty())
				.then());
	}

	/**
	 * Reads one page of due entries after {@code after}, sends them all (up to
	 * {@code in-flight} waiting for their acks at once), and settles the sent ones with
	 * one {@code XDEL}.
	 */
	private Mono<Page> page(CampaignKeys bucket, Instant before, String after) {
		int size = this.settings.page();
		return this.outbox.due(bucket, after, before, size)
			.collectList()
			.timeout(this.settings.redisTimeout())
			.filter((entries) -> !entries.isEmpty())
			.flatMap((entries) -> Flux.fromIterable(entries)
				.flatMap(this::resend, this.settings.inFlight())
				.collectList()
				.flatMap((sent) -> this.outbox.settle(bucket, sent)
					.timeout(this.settings.redisTimeout())
					// a full page all sent: more may be due; a failed send: Kafka is in
					// trouble, the next pass goes on
					.thenReturn(new Page(entries.get(entries.size() - 1).id(),
							entries.size() == size && sent.size() == entries.size()))));
	}

	private Mono<Boolean> lease(CampaignKeys bucket) {
		return this.redis
			.execute(leaseScript, List.of(bucket.relayLease()),
					List.of(this.instance, Long.toString(this.settings.lease().toMillis())))
			.next()
			.timeout(this.settings.redisTimeout())
			.map((taken) -> taken == 1L);
	}

	/** The entry's id once Kafka acknowledged its event; empty when the send failed. */
	private Mono<String> resend(Outbox.Entry entry) {
		this.resent.increment();
		return this.publisher.publish(entry.event())
			.timeout(this.settings.sendTimeout())
			.thenReturn(entry.id())
			.doOnError((ex) -> logger.debug("Relay send of " + entry.event().couponId() + " failed: " + ex))
			.onErrorResume((ex) -> Mono.empty());
	}

	/**
	 * Stops looking at a campaign that can make no more grants and whose outboxes are all
	 * empty. Both are judged in Redis ({@code scripts/finished.lua}, one atomic step per
	 * bucket) by the claim script's own rules and clock: ended by the bucket's server
	 * clock, or sold out (the grants of all buckets add up to the stock; each bucket's
	 * count only grows between rebuilds, so counts read one after another that reach the
	 * stock did reach it). Both last: an operator only ever moves {@code ends} earlier,
	 * and every bucket is judged on its own server's clock. From then on no claim can add
	 * an outbox entry, so an outbox seen empty stays empty. Not while a bucket is frozen
	 * (a rebuild) or has stock in transit (the sweeper, which goes by the same registry,
	 * has a move to decide).
	 * <p>
	 * The registry is one key outside every campaign's slot, so the decision and the
	 * {@code SREM} cannot be one script. What can make a done campaign live again (a
	 * rebuild or restore from PostgreSQL) writes its state first and registers the
	 * campaign after; so the buckets are read again after the {@code SREM}: a write that
	 * came before that read is seen there (not done, or a new generation), and the
	 * campaign registered again; one that came after it is followed by its own
	 * registration.
	 */
	private Mono<Void> retireIfDone(String campaignId, List<CampaignKeys> buckets, AtomicLong pending) {
		return finished(buckets).doOnNext((first) -> pending.addAndGet(first.pending()))
			.filter(Finished::done)
			.flatMap((first) -> this.redis.opsForSet()
				.remove(CampaignKeys.ALL_CAMPAIGNS, campaignId)
				.timeout(this.settings.redisTimeout())
				.then(finished(buckets))
				.flatMap((second) -> (second.done() && second.generations().equals(first.generations()))
						? Mono.fromRunnable(() -> logger.info("Outbox relay: campaign " + campaignId
								+ " is sold out or ended and every grant is sent; no longer watched"))
						: this.redis.opsForSet()
							.add(CampaignKeys.ALL_CAMPAIGNS, campaignId)
							.timeout(this.settings.redisTimeout())))
			.then();
	}

	/**
	 * Whether the campaign is done with (one read of each bucket in Redis), and its
	 * outboxes' entries.
	 */
	private Mono<Finished> finished(List<CampaignKeys> buckets) {
		return Flux.fromIterable(buckets)
			.concatMap((keys) -> this.redis
				.execute(finishedScript, List.of(keys.settings(), keys.outbox(), keys.journal()), List.of())
				.next()
				.timeout(this.settings.redisTimeout()))
			.collectList()
			.map((replies) -> {
				boolean known = replies.size() == buckets.size()
						&& replies.stream().allMatch((reply) -> ((Number) reply.get(0)).longValue() == 1L);
				if (!known) {
					long outboxed = replies.stream()
						.filter((reply) -> reply.size() > 1)
						.mapToLong((reply) -> number(reply, 4))
						.sum();
					return new Finished(false, outboxed, List.of());
				}
				long issued = 0;
				long total = number(replies.get(0), 2);
				long outboxed = 0;
				boolean ended = true;
				boolean busy = false;
				for (List<?> reply : replies) {
					issued += number(reply, 1);
					ended &= number(reply, 3) == 1L;
					outboxed += number(reply, 4);
					busy |= number(reply, 5) == 1L;
				}
				boolean done = !busy && outboxed == 0 && (ended || issued >= total);
				return new Finished(done, outboxed,
						replies.stream().map((reply) -> String.valueOf(reply.get(6))).toList());
			});
	}

	private static long number(List<?> reply, int index) {
		return ((Number) reply.get(index)).longValue();
	}

	/** A page drained: the last entry read, and whether to read on. */
	private record Page(String last, boolean more) {
	}

	/**
	 * @param done no grant can be added any more and every outbox is empty
	 * @param pending entries in the campaign's outboxes
	 * @param generations each bucket's generation, bucket 0 first
	 */
	private record Finished(boolean done, long pending, List<String> generations) {
	}

}
