package dev.coupongateway.campaign;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import dev.coupongateway.system.KafkaAdmin;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Creates campaigns and reads them back with their live stock. PostgreSQL holds a campaign's
 * settings; Redis holds its counters and is rebuilt from PostgreSQL when it has lost them.
 */
@Service
public class CampaignService {

	private static final Log logger = LogFactory.getLog(CampaignService.class);

	private static final Duration RETRY_REBUILD_AFTER = Duration.ofMillis(250);

	private final CampaignRepository repository;

	private final CampaignState state;

	private final Clock clock;

	private final KafkaAdmin kafka;

	/** Campaigns never change after creation, so their settings are cached once read. */
	private final ConcurrentMap<String, Campaign> campaigns = new ConcurrentHashMap<>();

	/** Counts Redis restarts seen; a campaign checked at an older epoch is checked again. */
	private final AtomicLong redisEpoch = new AtomicLong();

	private final ConcurrentMap<String, Long> verifiedAt = new ConcurrentHashMap<>();

	private final ConcurrentMap<String, Mono<Campaign>> rebuilds = new ConcurrentHashMap<>();

	private final ConcurrentMap<String, Long> rebuildWarnedAt = new ConcurrentHashMap<>();

	public CampaignService(CampaignRepository repository, CampaignState state, KafkaAdmin kafka, Clock clock) {
		this.repository = repository;
		this.state = state;
		this.kafka = kafka;
		this.clock = clock;
	}

	public Mono<Campaign> create(Campaign campaign) {
		return this.repository.insert(campaign)
			.onErrorMap(DuplicateKeyException.class, (ex) -> new ProblemException(Problem
				.of(HttpStatus.CONFLICT, "CAMPAIGN_EXISTS", "A campaign with id '" + campaign.id() + "' exists.")))
			.flatMap((created) -> this.state.restore(created, java.util.List.of()).thenReturn(created))
			.doOnNext((created) -> this.verifiedAt.put(created.id(), this.redisEpoch.get()))
			.doOnNext((created) -> logger.info("Campaign " + created.id() + " created: " + created.totalStock()
					+ " coupons, " + created.perUserLimit() + " per user"));
	}

	/** The campaign, or a 404 problem. */
	public Mono<Campaign> find(String campaignId) {
		Campaign cached = this.campaigns.get(campaignId);
		if (cached != null) {
			return Mono.just(cached);
		}
		return this.repository.findById(campaignId)
			.doOnNext((campaign) -> this.campaigns.put(campaignId, campaign))
			.switchIfEmpty(Mono.error(() -> notFound(campaignId)));
	}

	/** The campaign with its stock as Redis counts it, rebuilding Redis first when it has no state. */
	public Mono<CampaignView> view(String campaignId) {
		return find(campaignId).flatMap((campaign) -> issued(campaign)
			.map((issued) -> CampaignView.of(campaign, issued, campaign.statusAt(this.clock.instant(), issued))));
	}

	/**
	 * Rebuilds (merges) the campaign's Redis state from the coupons PostgreSQL stored, once the writer
	 * has stored every event still in Kafka; until then a 503 with Retry-After, never a wrong answer.
	 */
	public Mono<Campaign> rebuild(String campaignId) {
		// one rebuild at a time per campaign; a failed attempt (503) is shared for a moment, so a
		// spike of claims during a rebuild does not turn into a spike of checks
		return Mono.defer(() -> this.rebuilds.computeIfAbsent(campaignId, this::startRebuild));
	}

	private Mono<Campaign> startRebuild(String campaignId) {
		long epoch = this.redisEpoch.get();
		AtomicReference<Mono<Campaign>> self = new AtomicReference<>();
		Mono<Campaign> rebuild = find(campaignId).flatMap((campaign) -> this.kafka.writerLag()
			.onErrorMap((ex) -> rebuilding(campaignId, "Kafka does not answer"))
			.flatMap((lag) -> (lag > 0) ? Mono.error(rebuilding(campaignId, lag + " events not stored yet"))
					: this.repository.storedCoupons(campaignId).collectList())
			.flatMap((stored) -> this.state.restore(campaign, stored))
			.doOnNext((written) -> {
				this.verifiedAt.put(campaignId, epoch);
				if (written) {
					logger.warn("Campaign " + campaignId + ": Redis state was missing or behind, rebuilt from PostgreSQL");
				}
			})
			.thenReturn(campaign))
			.doOnSuccess((done) -> this.rebuilds.remove(campaignId, self.get()))
			.doOnError((ex) -> Mono.delay(RETRY_REBUILD_AFTER)
				.subscribe((tick) -> this.rebuilds.remove(campaignId, self.get())))
			.cache();
		self.set(rebuild);
		return rebuild;
	}

	/** Whether Redis restarted since this instance last checked the campaign's state against PostgreSQL. */
	public boolean needsRebuild(String campaignId) {
		return this.verifiedAt.getOrDefault(campaignId, 0L) < this.redisEpoch.get();
	}

	/** Redis restarted (its data may be gone or behind): check every campaign before it grants again. */
	void redisRestarted() {
		this.redisEpoch.incrementAndGet();
	}

	private ProblemException rebuilding(String campaignId, String why) {
		long now = System.nanoTime();
		Long last = this.rebuildWarnedAt.get(campaignId);
		if (last == null || now - last > Duration.ofSeconds(10).toNanos()) {
			this.rebuildWarnedAt.put(campaignId, now);
			logger.warn("Campaign " + campaignId + ": Redis state is being rebuilt, claims wait (" + why + ")");
		}
		return new ProblemException(Problem.unavailable(
				"The campaign's state is being rebuilt; nothing was granted. Retry shortly.", Duration.ofSeconds(1)));
	}

	/** The newest campaigns with their stock, for people picking one to watch. */
	public Flux<CampaignView> recent(int limit) {
		return this.repository.findRecent(limit).concatMap((campaign) -> view(campaign.id()).onErrorResume((ex) -> Mono.empty()));
	}

	/** The reconciliation report of a campaign: Redis, the outbox, PostgreSQL and the conflicts side by side. */
	public Mono<Reconciliation> reconcile(String campaignId) {
		return find(campaignId).flatMap((campaign) -> Mono
			.zip(this.state.issued(campaignId).defaultIfEmpty(0L), this.state.outboxSize(campaignId),
					this.repository.storedAndConflicts(campaignId))
			.map((all) -> Reconciliation.of(campaign, all.getT1(), all.getT2(), all.getT3()[0], all.getT3()[1])));
	}

	private Mono<Long> issued(Campaign campaign) {
		return this.state.issued(campaign.id())
			.switchIfEmpty(Mono.defer(() -> rebuild(campaign.id()).then(this.state.issued(campaign.id()))));
	}

	/** The id as given, or a 400 problem when it cannot be a campaign id. */
	public static String validId(String campaignId) {
		if (!NewCampaign.ID.matcher(campaignId).matches()) {
			throw new ProblemException(Problem.invalid(java.util.List.of("id: must match [a-z0-9][a-z0-9-]{0,63}")));
		}
		return campaignId;
	}

	public static ProblemException notFound(String campaignId) {
		return new ProblemException(
				Problem.of(HttpStatus.NOT_FOUND, "CAMPAIGN_NOT_FOUND", "No campaign '" + campaignId + "'."));
	}

}
