package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.campaign.CampaignRepository.StoredCoupon;
import dev.coupongateway.event.WriterLag;
import dev.coupongateway.system.LogThrottle;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Brings a campaign's Redis state back from PostgreSQL when Redis lost it (missing keys, or a restart
 * that may have lost or rolled back data): one rebuild at a time per campaign, only once the writer has
 * stored every event still in Kafka; until then claims get a 503 with Retry-After, never a wrong answer.
 */
@Component
public class CampaignRebuilds {

	private static final Log logger = LogFactory.getLog(CampaignRebuilds.class);

	private static final Duration RETRY_REBUILD_AFTER = Duration.ofMillis(250);

	private static final Duration REBUILD_TIMEOUT = Duration.ofSeconds(10);

	private static final LogThrottle warnings = new LogThrottle(Duration.ofSeconds(10));

	private final CampaignRepository repository;

	private final CampaignState state;

	private final WriterLag writerLag;

	private final ReactiveStringRedisTemplate redis;

	private final BucketedState bucketed;

	/** Counts Redis restarts seen; a campaign checked at an older epoch is checked again. */
	private final AtomicLong redisEpoch = new AtomicLong();

	private final ConcurrentMap<String, Long> verifiedAt = new ConcurrentHashMap<>();

	/** The Redis servers' run ids as last seen; empty until the first look. */
	private final AtomicReference<String> servers = new AtomicReference<>("");

	private final ConcurrentMap<String, Mono<Campaign>> rebuilds = new ConcurrentHashMap<>();

	CampaignRebuilds(CampaignRepository repository, CampaignState state, WriterLag writerLag,
			ReactiveStringRedisTemplate redis, BucketedState bucketed) {
		this.bucketed = bucketed;
		this.repository = repository;
		this.state = state;
		this.writerLag = writerLag;
		this.redis = redis;
	}

	/**
	 * Rebuilds (merges) the campaign's Redis state from the coupons PostgreSQL stored. One rebuild at a
	 * time per campaign; a failed attempt (503) is shared for a moment, so a spike of claims during a
	 * rebuild does not turn into a spike of checks.
	 */
	Mono<Campaign> rebuild(Campaign campaign) {
		return Mono.defer(() -> this.rebuilds.computeIfAbsent(campaign.id(), (id) -> start(campaign)));
	}

	private Mono<Campaign> start(Campaign campaign) {
		String campaignId = campaign.id();
		long epoch = this.redisEpoch.get();
		AtomicReference<Mono<Campaign>> self = new AtomicReference<>();
		Mono<List<StoredCoupon>> stored = this.writerLag.get()
			.onErrorMap((ex) -> rebuilding(campaignId, "Kafka does not answer"))
			.flatMap((lag) -> (lag > 0) ? Mono.error(rebuilding(campaignId, lag + " events not stored yet"))
					: this.repository.storedCoupons(campaignId).collectList());
		// a campaign on one slot is merged in one script; one split into buckets is frozen and rewritten whole,
		// unless it was written since the Redis servers last restarted or failed over (nothing can be behind)
		String servers = this.servers.get();
		Mono<Boolean> restored = (campaign.buckets() == 1) ? stored.flatMap((coupons) -> this.state.restore(campaign, coupons))
				: this.bucketed.current(campaign, servers)
					.flatMap((current) -> current ? Mono.just(false) : this.bucketed.rewrite(campaign, stored, servers))
					.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> rebuilding(campaignId, ex.toString()));
		Mono<Campaign> rebuild = restored
			.flatMap((written) -> this.state.configureWaitingRoom(campaign).thenReturn(written))
			.flatMap((written) -> {
				if (written) {
					logger.warn("Campaign " + campaignId + ": Redis state was missing or behind, rebuilt from PostgreSQL"
							+ ((campaign.buckets() > 1) ? " (all " + campaign.buckets() + " buckets rewritten)" : ""));
				}
				// numbers may be back in stock: every instance forgets what it knew of the campaign (sent after
				// every rebuild, not only one that wrote: a retry after a failed send must send it again)
				return this.redis.convertAndSend(CampaignKeys.REBUILT_CHANNEL, campaignId)
					.doOnSuccess((receivers) -> this.verifiedAt.put(campaignId, epoch))
					.thenReturn(campaign);
			})
			// a database or Redis that hangs must not wedge the campaign: the attempt fails, claims get 503
			.timeout(REBUILD_TIMEOUT, Mono.error(() -> rebuilding(campaignId, "no answer within " + REBUILD_TIMEOUT)))
			.doOnSuccess((done) -> this.rebuilds.remove(campaignId, self.get()))
			.doOnError((ex) -> Mono.delay(RETRY_REBUILD_AFTER)
				.subscribe((tick) -> this.rebuilds.remove(campaignId, self.get())))
			.cache();
		self.set(rebuild);
		return rebuild;
	}

	/** Writes a new campaign's Redis state; it is current as of now. */
	Mono<Boolean> initialize(Campaign campaign) {
		Mono<Boolean> write = (campaign.buckets() == 1) ? this.state.restore(campaign, List.of())
				: this.bucketed.rewrite(campaign, Mono.just(List.of()), this.servers.get());
		return write
			.doOnNext((written) -> this.verifiedAt.put(campaign.id(), this.redisEpoch.get()));
	}

	/** Whether Redis restarted since this instance last checked the campaign's state against PostgreSQL. */
	public boolean needed(String campaignId) {
		return this.verifiedAt.getOrDefault(campaignId, 0L) < this.redisEpoch.get();
	}

	/** Redis restarts this instance has seen; what was learned from Redis at an older epoch may be stale. */
	public long epoch() {
		return this.redisEpoch.get();
	}

	/** Redis restarted (its data may be gone or behind): check every campaign before it grants again. */
	void redisRestarted() {
		this.redisEpoch.incrementAndGet();
	}

	/** The Redis servers' run ids as last seen ({@link RedisRestartWatch}). */
	void serversSeen(String runIds) {
		this.servers.set(runIds);
	}

	private ProblemException rebuilding(String campaignId, String why) {
		if (warnings.due(campaignId)) {
			logger.warn("Campaign " + campaignId + ": Redis state is being rebuilt, claims wait (" + why + ")");
		}
		return new ProblemException(
				Problem.unavailable("The campaign's state is being rebuilt; nothing was granted. Retry shortly."));
	}

}
