package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.campaign.CampaignState.Fence;
import dev.coupongateway.campaign.CampaignState.FenceState;
import dev.coupongateway.event.WriterLag;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.LogThrottle;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Checks a campaign's Redis state against PostgreSQL and brings it up to it (a rebuild)
 * whenever the state was not checked on the Redis server it lives on now: missing (Redis
 * lost it), or written before that server started (a restart, an AOF or RDB restored
 * after a crash, a replica promoted in a failover). The claim script refuses to grant
 * until then ({@code scripts/issue.lua}'s fence), so this holds whichever instance looks,
 * a new one included. A check, one at a time per campaign across all instances (a lease
 * in Redis), runs in the background and:
 * <ol>
 * <li>reads the campaign from PostgreSQL afresh (its controls as the operator last set
 * them);</li>
 * <li>waits until the Kafka producer's delivery timeout has passed since the check was
 * first found due, so no grant of the state Redis lost is still inside a producer;</li>
 * <li>waits until the writer has stored what Kafka held at that moment (not the whole
 * topic: a busy sale elsewhere does not hold it back);</li>
 * <li>merges what PostgreSQL stored into Redis in chunks, then sets the fence.</li>
 * </ol>
 * Claims meanwhile get a 503 with Retry-After, never a grant that could not be stored.
 */
@Component
public class CampaignRebuilds {

	private static final Log logger = LogFactory.getLog(CampaignRebuilds.class);

	private static final LogThrottle warnings = new LogThrottle(Duration.ofSeconds(10));

	private final CampaignRepository repository;

	private final CampaignState state;

	private final BucketsWriter bucketed;

	private final WriterLag writerLag;

	private final ReactiveStringRedisTemplate redis;

	private final CouponProperties.Rebuild settings;

	private final Duration deliveryTimeout;

	/**
	 * Counts Redis restarts this instance saw; facts learned from Redis at an older epoch
	 * may be stale.
	 */
	private final AtomicLong redisEpoch = new AtomicLong();

	private final ConcurrentMap<String, Mono<Campaign>> checks = new ConcurrentHashMap<>();

	CampaignRebuilds(CampaignRepository repository, CampaignState state, BucketsWriter bucketed, WriterLag writerLag,
			ReactiveStringRedisTemplate redis, CouponProperties properties) {
		this.repository = repository;
		this.state = state;
		this.bucketed = bucketed;
		this.writerLag = writerLag;
		this.redis = redis;
		this.settings = properties.rebuild();
		this.deliveryTimeout = properties.kafka().deliveryTimeout();
	}

	/**
	 * The campaign, once its Redis state is checked: starts a check when none is under
	 * way, and waits for it up to {@code coupon.rebuild.claim-wait}; after that a 503
	 * problem (the check goes on).
	 */
	Mono<Campaign> rebuild(String campaignId) {
		return check(campaignId).timeout(this.settings.claimWait(),
				Mono.error(() -> rebuilding(campaignId, "a check is under way")));
	}

	/**
	 * The check of the campaign under way on this instance, or a new one; runs whether or
	 * not anyone waits.
	 */
	Mono<Campaign> check(String campaignId) {
		return Mono.defer(() -> {
			Mono<Campaign> running = this.checks.get(campaignId);
			if (running != null) {
				return running;
			}
			AtomicReference<Mono<Campaign>> self = new AtomicReference<>();
			Mono<Campaign> created = attempt(campaignId).timeout(this.settings.timeout())
				.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> rebuilding(campaignId, ex.toString()))
				.doOnSuccess((done) -> this.checks.remove(campaignId, self.get()))
				.doOnError((ex) -> Mono.delay(this.settings.retryAfterFailure())
					.subscribe((tick) -> this.checks.remove(campaignId, self.get())))
				.cache();
			self.set(created);
			Mono<Campaign> raced = this.checks.putIfAbsent(campaignId, created);
			if (raced != null) {
				return raced;
			}
			created.subscribe((done) -> {
			}, (ex) -> {
			});
			return created;
		});
	}

	private Mono<Campaign> attempt(String campaignId) {
		return this.repository.findById(campaignId)
			.switchIfEmpty(Mono.error(() -> CampaignService.notFound(campaignId)))
			.flatMap((campaign) -> this.state.fences(campaign, markerTtl()).flatMap((fences) -> {
				if (fences.stream().allMatch((fence) -> fence.state() == FenceState.CHECKED)) {
					// nothing lost or behind; an operator's change Redis missed is
					// written again
					long oldest = fences.stream().mapToLong(Fence::version).min().orElse(0);
					return (oldest < campaign.version()) ? this.state.control(campaign).thenReturn(campaign)
							: Mono.just(campaign);
				}
				long since = fences.stream().mapToLong(Fence::suspectSince).filter((at) -> at > 0).min().orElse(0);
				long now = fences.get(0).now();
				long wait = since + this.deliveryTimeout.plus(this.settings.deliveryMargin()).toMillis() - now;
				return Mono.delay(Duration.ofMillis(Math.max(0, wait))).then(leased(campaign));
			}));
	}

	/** Takes the campaign's lease, rebuilds under it, gives it back. */
	private Mono<Campaign> leased(Campaign campaign) {
		String campaignId = campaign.id();
		return this.state.lease(campaignId, this.settings.lease())
			.switchIfEmpty(Mono.error(() -> rebuilding(campaignId, "another instance is checking it")))
			.flatMap((token) -> this.state.fences(campaign, markerTtl())
				// checked meanwhile (by another instance, or a creation that was still
				// writing): nothing to do
				.flatMap((fences) -> fences.stream().allMatch((fence) -> fence.state() == FenceState.CHECKED)
						? Mono.just(false) : rebuild(campaign, token))
				.flatMap((written) -> this.state.configureWaitingRoom(campaign).thenReturn(written))
				.flatMap((written) -> {
					if (written) {
						logger.warn("Campaign " + campaignId
								+ ": Redis state was missing, behind or unchecked on this server; "
								+ "rebuilt from PostgreSQL" + ((campaign.buckets() > 1)
										? " (all " + campaign.buckets() + " buckets rewritten)" : ""));
					}
					// numbers may be back in stock: every instance forgets what it knew
					// of the campaign
					return this.redis.convertAndSend(CampaignKeys.REBUILT_CHANNEL, campaignId).thenReturn(campaign);
				})
				.doFinally((signal) -> this.state.release(campaignId, token).subscribe()));
	}

	private Mono<Boolean> rebuild(Campaign campaign, String token) {
		if (campaign.buckets() == 1) {
			return writerCaughtUp(campaign.id()).then(Mono.defer(() -> this.state.restore(campaign,
					this.repository.storedCoupons(campaign.id()), token, this.settings.lease())));
		}
		// the buckets still checked take claims until frozen: the writer's mark is taken
		// after the freeze
		return this.bucketed.rewrite(campaign,
				writerCaughtUp(campaign.id()).then(this.repository.storedCoupons(campaign.id()).collectList()), token);
	}

	/** Completes once the writer stored everything Kafka holds now. */
	private Mono<Void> writerCaughtUp(String campaignId) {
		return this.writerLag.mark()
			.onErrorMap((ex) -> rebuilding(campaignId, "Kafka does not answer"))
			.flatMap((mark) -> Flux.interval(Duration.ZERO, this.settings.writerPoll())
				.concatMap((tick) -> this.writerLag.reached(mark).onErrorReturn(false), 1)
				.filter(Boolean::booleanValue)
				.next())
			.then();
	}

	/** Writes a new campaign's Redis state, checked as of now. */
	public Mono<Boolean> initialize(Campaign campaign) {
		return this.state.lease(campaign.id(), this.settings.lease())
			.switchIfEmpty(Mono.error(() -> rebuilding(campaign.id(), "another instance is checking it")))
			.flatMap((token) -> ((campaign.buckets() == 1)
					? this.state.restore(campaign, Flux.empty(), token, this.settings.lease())
					: this.bucketed.rewrite(campaign, Mono.just(List.of()), token))
				.doFinally((signal) -> this.state.release(campaign.id(), token).subscribe()));
	}

	/**
	 * Checks the campaign unless every bucket was checked on the server it lives on now
	 * and holds the newest controls; completes when it is (or was) checked.
	 */
	Mono<Void> verify(Campaign campaign) {
		return this.state.fences(campaign, markerTtl())
			.map((fences) -> fences.stream()
				.allMatch((fence) -> fence.state() == FenceState.CHECKED && fence.version() >= campaign.version()))
			.flatMap((checked) -> checked ? Mono.empty() : check(campaign.id()))
			.then();
	}

	/**
	 * Redis restarts this instance has seen; what was learned from Redis at an older
	 * epoch may be stale.
	 */
	public long epoch() {
		return this.redisEpoch.get();
	}

	/**
	 * Redis restarted or failed over: facts this instance learned from it are dropped.
	 */
	void redisRestarted() {
		this.redisEpoch.incrementAndGet();
	}

	/**
	 * How long a suspect marker lives when nobody finishes the check: long enough for any
	 * wait above.
	 */
	private Duration markerTtl() {
		return this.settings.timeout().plus(this.deliveryTimeout).multipliedBy(2);
	}

	private ProblemException rebuilding(String campaignId, String why) {
		if (warnings.due(campaignId)) {
			logger.warn("Campaign " + campaignId + ": Redis state is being checked, claims wait (" + why + ")");
		}
		return new ProblemException(
				Problem.unavailable("The campaign's state is being checked; nothing was granted. Retry shortly."));
	}

}
