package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.coupongateway.system.CouponProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveSubscription;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * This instance's copies of campaigns, read from PostgreSQL (the one source of truth for
 * settings and controls). Every change an operator makes, on any instance, is announced
 * on a Redis channel and each instance drops its copy at once; a copy is also read again
 * in the background once older than {@code coupon.campaigns.refresh}, and all are dropped
 * whenever the channel's subscription is made again (messages sent meanwhile are lost).
 * <p>
 * A client spraying made-up ids must not drive a database query per request: each
 * instance knows the id of every campaign (read whole when its subscription is made, then
 * added to by each creation announced); an id it does not know is looked for in Redis
 * first (a creation writes the campaign's Redis state before it answers, so a campaign
 * just made elsewhere is found even before its announcement arrives), and only one Redis
 * has is read from PostgreSQL. An id found nowhere is remembered for
 * {@code coupon.campaigns.unknown-ttl}, so the same made-up id asked again costs neither
 * store.
 */
@Component
class CampaignCopies implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(CampaignCopies.class);

	private final CampaignRepository repository;

	private final ReactiveStringRedisTemplate redis;

	private final long refreshNanos;

	private final ConcurrentMap<String, Copy> copies = new ConcurrentHashMap<>();

	private final Cache<String, Boolean> unknown;

	private final Set<String> refreshing = ConcurrentHashMap.newKeySet();

	/**
	 * The id of every campaign PostgreSQL held when last read whole, and every one
	 * announced since.
	 */
	private final Set<String> known = ConcurrentHashMap.newKeySet();

	/**
	 * Whether {@link #known} is complete: read whole since the subscription was (last)
	 * made.
	 */
	private volatile boolean complete;

	/**
	 * Bumped by every change heard: a read of PostgreSQL begun before it may not be kept
	 * as "unknown".
	 */
	private final AtomicLong changes = new AtomicLong();

	private volatile Disposable subscription;

	private final Counter reads;

	CampaignCopies(CampaignRepository repository, ReactiveStringRedisTemplate redis, CouponProperties properties,
			MeterRegistry meters) {
		this.repository = repository;
		this.redis = redis;
		this.reads = Counter.builder("coupon.campaign.reads")
			.description("Campaigns read from PostgreSQL by id: copies made or refreshed, ids looked for")
			.register(meters);
		this.refreshNanos = properties.campaigns().refresh().toNanos();
		this.unknown = Caffeine.newBuilder()
			.maximumSize(properties.campaigns().unknownMax())
			.expireAfterWrite(properties.campaigns().unknownTtl())
			.build();
	}

	/** The campaign, or empty when PostgreSQL does not know it. */
	Mono<Campaign> find(String campaignId) {
		Copy copy = this.copies.get(campaignId);
		if (copy != null) {
			if (System.nanoTime() - copy.readAt() > this.refreshNanos && this.refreshing.add(campaignId)) {
				read(campaignId).doFinally((signal) -> this.refreshing.remove(campaignId)).subscribe((fresh) -> {
				}, (ex) -> logger.debug("Refreshing campaign " + campaignId + " failed: " + ex));
			}
			return Mono.just(copy.campaign());
		}
		if (this.unknown.getIfPresent(campaignId) != null) {
			return Mono.empty();
		}
		if (!this.complete || this.known.contains(campaignId)) {
			return read(campaignId);
		}
		long seen = this.changes.get();
		return this.redis.hasKey(CampaignKeys.of(campaignId).settings())
			.onErrorReturn(true)
			.flatMap((inRedis) -> inRedis ? read(campaignId) : Mono.empty())
			.switchIfEmpty(Mono.fromRunnable(() -> {
				if (this.complete && this.changes.get() == seen) {
					this.unknown.put(campaignId, Boolean.TRUE);
				}
			}));
	}

	private Mono<Campaign> read(String campaignId) {
		long seen = this.changes.get();
		return this.repository.findById(campaignId)
			.doOnSubscribe((s) -> this.reads.increment())
			.doOnNext((campaign) -> {
				this.known.add(campaignId);
				// a change heard while reading may be newer than what was read: not kept
				if (this.changes.get() == seen) {
					this.copies.put(campaignId, new Copy(campaign, System.nanoTime()));
				}
			});
	}

	/**
	 * Keeps what this instance just wrote, and tells every instance (this one too) to
	 * read it again.
	 */
	Mono<Void> changed(Campaign campaign) {
		forget(campaign.id());
		return this.redis.convertAndSend(CampaignKeys.CHANGED_CHANNEL, campaign.id()).then();
	}

	private void forget(String campaignId) {
		this.changes.incrementAndGet();
		if (!campaignId.isEmpty()) {
			this.known.add(campaignId);
		}
		this.copies.remove(campaignId);
		this.unknown.invalidate(campaignId);
	}

	private void forgetAll() {
		this.changes.incrementAndGet();
		this.copies.clear();
		this.unknown.invalidateAll();
	}

	@Override
	public void start() {
		// unknown ids are told without PostgreSQL only while this instance is sure to
		// hear every creation:
		// from the moment its subscription is confirmed; a subscription made again starts
		// from nothing
		this.subscription = Flux.defer(() -> {
			this.complete = false;
			return this.redis.listenToChannelLater(CampaignKeys.CHANGED_CHANNEL).flatMapMany((messages) -> {
				forgetAll();
				// every id, read once the subscription hears every creation: none can
				// fall between the two
				Mono<ReactiveSubscription.Message<String, String>> everyId = this.repository.allIds()
					.doOnNext(this.known::add)
					.then(Mono.fromRunnable(() -> this.complete = true))
					.onErrorResume((ex) -> {
						logger
							.debug("Reading the campaign ids failed (each unknown id is read from PostgreSQL): " + ex);
						return Mono.empty();
					})
					.then(Mono.empty());
				return Flux.<ReactiveSubscription.Message<String, String>>merge(messages, everyId);
			});
		})
			.doOnTerminate(() -> this.complete = false)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
			.repeatWhen((ended) -> ended.delayElements(Duration.ofMillis(200)))
			.subscribe((message) -> forget(message.getMessage()));
	}

	@Override
	public void stop() {
		Disposable current = this.subscription;
		this.subscription = null;
		this.complete = false;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.subscription != null;
	}

	private record Copy(Campaign campaign, long readAt) {
	}

}
