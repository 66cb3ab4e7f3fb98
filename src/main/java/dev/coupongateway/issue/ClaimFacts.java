package dev.coupongateway.issue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignRebuilds;
import dev.coupongateway.campaign.CampaignState;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * What a claim can be answered without Redis. Grants are never taken back, so "this
 * campaign is sold out" and "this user holds the limit" only ever become true, and this
 * instance keeps them once Redis said so. A sold-out campaign is answered 410 from memory
 * only for users holding no grant (their names are read once when Redis first says sold
 * out): a winner's retry still gets 409 with its coupon. Only a rebuild after Redis lost
 * data can make a fact false (it gives lost numbers back to the stock): a Redis restart
 * seen by this instance drops every fact at once, and a rebuild on any instance drops
 * that campaign's facts everywhere through a pub/sub message. Facts also expire after
 * {@code coupon.issue.facts-ttl}, which bounds the effect of a message this instance
 * missed.
 */
@Component
class ClaimFacts implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ClaimFacts.class);

	private final CampaignRebuilds rebuilds;

	private final CampaignState state;

	private final ReactiveStringRedisTemplate redis;

	private final long maxUsers;

	/**
	 * Sold-out campaigns: who holds a grant (null: too many to keep), and the Redis epoch
	 * at which Redis said so.
	 */
	private final Cache<String, SoldOut> soldOut;

	/**
	 * Users at their limit: {@code campaignId + NUL + userId} to the ALREADY_ISSUED
	 * answer Redis gave.
	 */
	private final Cache<String, Known> atLimit;

	/**
	 * Bumped whenever the campaign's facts are forgotten, so a read of its holders begun
	 * before is dropped.
	 */
	private final ConcurrentMap<String, Long> generations = new ConcurrentHashMap<>();

	private final AtomicLong generation = new AtomicLong();

	private final Set<String> loading = ConcurrentHashMap.newKeySet();

	private volatile Disposable subscription;

	ClaimFacts(CampaignRebuilds rebuilds, CampaignState state, ReactiveStringRedisTemplate redis,
			CouponProperties properties) {
		this.rebuilds = rebuilds;
		this.state = state;
		this.redis = redis;
		this.maxUsers = properties.issue().factsMaxUsers();
		Duration ttl = properties.issue().factsTtl();
		this.atLimit = Caffeine.newBuilder().maximumSize(this.maxUsers).expireAfterWrite(ttl).build();
		this.soldOut = Caffeine.newBuilder().expireAfterWrite(ttl).build();
	}

	/**
	 * Where the facts stood when a claim started: what it learns is kept only if nothing
	 * was forgotten since.
	 */
	record Moment(long epoch, long generation) {
	}

	Moment now(String campaignId) {
		return new Moment(this.rebuilds.epoch(), this.generations.getOrDefault(campaignId, 0L));
	}

	/** The answer this instance knows for sure, or null when Redis must decide. */
	IssueOutcome known(String campaignId, String userId) {
		long epoch = this.rebuilds.epoch();
		Known limit = this.atLimit.getIfPresent(key(campaignId, userId));
		if (limit != null && limit.epoch() == epoch) {
			return limit.outcome();
		}
		SoldOut sold = this.soldOut.getIfPresent(campaignId);
		if (sold != null && sold.epoch() == epoch && sold.holders() != null && !sold.holders().contains(userId)) {
			return IssueOutcome.of(Result.SOLD_OUT);
		}
		return null;
	}

	/** Keeps what Redis just decided, when it is a fact that only ever becomes true. */
	void learn(Campaign campaign, String userId, IssueOutcome outcome, Moment moment) {
		String campaignId = campaign.id();
		if (outcome.result() == Result.ALREADY_ISSUED) {
			keepIfCurrent(campaignId, moment,
					() -> this.atLimit.put(key(campaignId, userId), new Known(outcome, moment.epoch())));
		}
		else if (outcome.result() == Result.SOLD_OUT && !knownSoldOut(campaignId, moment.epoch())
				&& this.loading.add(campaignId)) {
			// no grant can be added once sold out (short of a rebuild, which bumps the
			// generation)
			this.state.holders(campaign)
				.take(this.maxUsers + 1)
				.collect(Collectors.toUnmodifiableSet())
				.doFinally((signal) -> this.loading.remove(campaignId))
				.subscribe((holders) -> keepIfCurrent(campaignId, moment, () -> this.soldOut.put(campaignId,
						// too many holders to keep: remembered as such, so they are not
						// read again and again
						new SoldOut((holders.size() <= this.maxUsers) ? holders : null, moment.epoch()))),
						(ex) -> logger
							.debug("Reading the holders of sold-out campaign " + campaignId + " failed: " + ex));
		}
	}

	private boolean knownSoldOut(String campaignId, long epoch) {
		SoldOut sold = this.soldOut.getIfPresent(campaignId);
		return sold != null && sold.epoch() == epoch;
	}

	/**
	 * Runs the store only if the campaign's facts were not forgotten since the moment,
	 * atomically with forget.
	 */
	private void keepIfCurrent(String campaignId, Moment moment, Runnable store) {
		this.generations.compute(campaignId, (id, generation) -> {
			if ((generation == null ? 0L : generation) == moment.generation()
					&& this.rebuilds.epoch() == moment.epoch()) {
				store.run();
			}
			return generation;
		});
	}

	/**
	 * Forgets every fact about the campaign: it was rebuilt, numbers may be back in
	 * stock.
	 */
	void forget(String campaignId) {
		this.generations.compute(campaignId, (id, generation) -> {
			this.soldOut.invalidate(campaignId);
			String prefix = campaignId + '\0';
			this.atLimit.asMap().keySet().removeIf((key) -> key.startsWith(prefix));
			return this.generation.incrementAndGet();
		});
	}

	private static String key(String campaignId, String userId) {
		return campaignId + '\0' + userId;
	}

	@Override
	public void start() {
		// deferred: the listener container connects when built, and Redis may be away at
		// startup
		this.subscription = Flux.defer(() -> this.redis.listenToChannel(CampaignKeys.REBUILT_CHANNEL))
			.doOnSubscribe((s) -> {
				// messages sent while this instance was not listening are lost: forget
				// everything
				this.soldOut.asMap().keySet().forEach(this::forget);
				this.generations.keySet().forEach(this::forget);
				this.atLimit.invalidateAll();
			})
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
			// a subscription that ends (connection gone) is made again, forgetting
			// everything first
			.repeatWhen((ended) -> ended.delayElements(Duration.ofMillis(200)))
			.subscribe((message) -> {
				forget(message.getMessage());
				logger.info("Campaign " + message.getMessage() + " was rebuilt: claim facts forgotten");
			});
	}

	@Override
	public void stop() {
		Disposable current = this.subscription;
		this.subscription = null;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.subscription != null;
	}

	private record Known(IssueOutcome outcome, long epoch) {
	}

	private record SoldOut(Set<String> holders, long epoch) {
	}

}
