package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.coupongateway.system.CouponProperties;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * This instance's copies of campaigns, read from PostgreSQL (the one source of truth for settings and
 * controls). Every change an operator makes, on any instance, is announced on a Redis channel and each
 * instance drops its copy at once; a copy is also read again in the background once older than
 * {@code coupon.campaigns.refresh}, and all are dropped whenever the channel's subscription is made
 * again (messages sent meanwhile are lost). Ids PostgreSQL does not know are remembered for
 * {@code coupon.campaigns.unknown-ttl}, so a client spraying made-up ids cannot drive a database query
 * per request; a creation anywhere drops that memory everywhere at once.
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

	/** Bumped by every change heard: a read of PostgreSQL begun before it may not be kept as "unknown". */
	private final AtomicLong changes = new AtomicLong();

	private volatile boolean listening;

	private volatile Disposable subscription;

	CampaignCopies(CampaignRepository repository, ReactiveStringRedisTemplate redis, CouponProperties properties) {
		this.repository = repository;
		this.redis = redis;
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
				read(campaignId).doFinally((signal) -> this.refreshing.remove(campaignId))
					.subscribe((fresh) -> {
					}, (ex) -> logger.debug("Refreshing campaign " + campaignId + " failed: " + ex));
			}
			return Mono.just(copy.campaign());
		}
		if (this.unknown.getIfPresent(campaignId) != null) {
			return Mono.empty();
		}
		long seen = this.changes.get();
		return read(campaignId).switchIfEmpty(Mono.fromRunnable(() -> {
			if (this.listening && this.changes.get() == seen) {
				this.unknown.put(campaignId, Boolean.TRUE);
			}
		}));
	}

	private Mono<Campaign> read(String campaignId) {
		long seen = this.changes.get();
		return this.repository.findById(campaignId).doOnNext((campaign) -> {
			// a change heard while reading may be newer than what was read: not kept
			if (this.changes.get() == seen) {
				this.copies.put(campaignId, new Copy(campaign, System.nanoTime()));
			}
		});
	}

	/** Keeps what this instance just wrote, and tells every instance (this one too) to read it again. */
	Mono<Void> changed(Campaign campaign) {
		forget(campaign.id());
		return this.redis.convertAndSend(CampaignKeys.CHANGED_CHANNEL, campaign.id()).then();
	}

	private void forget(String campaignId) {
		this.changes.incrementAndGet();
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
		// unknown ids are remembered only while this instance is sure to hear every creation: from the moment
		// its subscription is confirmed; a subscription made again starts from nothing
		this.subscription = Flux.defer(() -> {
			this.listening = false;
			return this.redis.listenToChannelLater(CampaignKeys.CHANGED_CHANNEL).flatMapMany((messages) -> {
				forgetAll();
				this.listening = true;
				return messages;
			});
		})
			.doOnTerminate(() -> this.listening = false)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
			.repeatWhen((ended) -> ended.delayElements(Duration.ofMillis(200)))
			.subscribe((message) -> forget(message.getMessage()));
	}

	@Override
	public void stop() {
		Disposable current = this.subscription;
		this.subscription = null;
		this.listening = false;
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
