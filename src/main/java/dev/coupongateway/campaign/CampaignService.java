package dev.coupongateway.campaign;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemCode;
import dev.coupongateway.system.ProblemException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;

/**
 * Creates campaigns and reads them back with their live stock. PostgreSQL holds a
 * campaign's settings; Redis holds its counters and is rebuilt from PostgreSQL when it
 * has lost them.
 */
@Service
public class CampaignService {

	private static final Log logger = LogFactory.getLog(CampaignService.class);

	private final CampaignRepository repository;

	private final CampaignState state;

	private final CampaignRebuilds rebuilds;

	private final Clock clock;

	/**
	 * This instance's copies of campaigns; the claim script reads the controls from
	 * Redis, not from these.
	 */
	private final CampaignCopies copies;

	/**
	 * The scratch campaigns open on this instance (the warm-up's, while it runs): never
	 * in PostgreSQL, never in {@link #copies}.
	 */
	private final Map<String, Campaign> scratch = new ConcurrentHashMap<>();

	private final Duration leaseForScratch;

	CampaignService(CampaignRepository repository, CampaignState state, CampaignRebuilds rebuilds,
			CampaignCopies copies, Clock clock, CouponProperties properties) {
		this.leaseForScratch = properties.rebuild().lease();
		this.repository = repository;
		this.state = state;
		this.rebuilds = rebuilds;
		this.copies = copies;
		this.clock = clock;
	}

	public Mono<Campaign> create(Campaign campaign) {
		return this.repository.insert(campaign)
			.onErrorMap(DuplicateKeyException.class,
					(ex) -> new ProblemException(Problem.of(ProblemCode.CAMPAIGN_EXISTS,
							"A campaign with id '" + campaign.id() + "' exists.")))
			.flatMap((created) -> this.rebuilds.initialize(created)
				.then(this.state.configureWaitingRoom(created))
				.then(this.copies.changed(created))
				.thenReturn(created))
			.doOnNext((created) -> logger.info("Campaign " + created.id() + " created: " + created.totalStock()
					+ " coupons, " + created.perUserLimit() + " per user"));
	}

	/**
	 * Opens a scratch campaign ({@link CampaignId#scratch}) with {@code stock} coupons,
	 * one per user, for this instance's claims alone: its Redis state is written (one
	 * slot, checked as of now, registered for no relay, sweep or check) and only
	 * {@link #findForClaim} on this instance knows it. PostgreSQL never hears of it, so
	 * no reader, stock stream, reconciliation or other instance can see it; close it with
	 * {@link #closeScratch}.
	 */
	public Mono<Campaign> openScratch(int stock) {
		Campaign campaign = new Campaign(CampaignId.scratch().value(), "claim-path warm-up", stock, 1, null, null,
				false, 1, null);
		return this.state.writeScratch(campaign, this.leaseForScratch)
			.then(Mono.fromRunnable(() -> this.scratch.put(campaign.id(), campaign)))
			.thenReturn(campaign);
	}

	/**
	 * Forgets a scratch campaign and deletes its Redis state: a claim for it is a 404
	 * again, and the claim script grants nothing from it (no settings, no grant).
	 */
	public Mono<Void> closeScratch(Campaign campaign) {
		return Mono.fromRunnable(() -> this.scratch.remove(campaign.id())).then(this.state.dropScratch(campaign));
	}

	/**
	 * The campaign, or a 404 problem (for a scratch id too: see {@link #findForClaim}).
	 */
	public Mono<Campaign> find(String campaignId) {
		if (CampaignId.isScratch(campaignId)) {
			return Mono.error(() -> notFound(campaignId));
		}
		return this.copies.find(campaignId).switchIfEmpty(Mono.error(() -> notFound(campaignId)));
	}

	/**
	 * The campaign, for the claim path: as {@link #find}, but while PostgreSQL does not
	 * answer, as Redis holds its settings, so claims go on through a database outage on
	 * an instance that had not read the campaign yet.
	 */
	public Mono<Campaign> findForClaim(String campaignId) {
		if (CampaignId.isScratch(campaignId)) {
			Campaign open = this.scratch.get(campaignId);
			return (open != null) ? Mono.just(open) : Mono.error(() -> notFound(campaignId));
		}
		return find(campaignId).onErrorResume((ex) -> !(ex instanceof ProblemException),
				(ex) -> this.state.settings(campaignId).switchIfEmpty(Mono.error(ex)));
	}

	/**
	 * The campaign with its stock and controls as Redis holds them, rebuilding Redis
	 * first when it has no state.
	 */
	public Mono<CampaignView> view(String campaignId) {
		return find(campaignId).flatMap((campaign) -> this.state.live(campaign)
			.switchIfEmpty(Mono.defer(() -> this.rebuilds.rebuild(campaignId).then(this.state.live(campaign))))
			.map((live) -> CampaignView.of(live.campaign(), live.issued(),
					live.campaign().statusAt(this.clock.instant(), live.issued()))));
	}

	/**
	 * Puts a waiting room in front of the campaign, changes it, or (with {@code null})
	 * takes it away: PostgreSQL first, then Redis (where every instance's claims check
	 * it), then every instance told.
	 */
	public Mono<CampaignView> waitingRoom(String campaignId, Campaign.WaitingRoom room) {
		return find(campaignId).then(this.repository.setWaitingRoom(campaignId, room))
			.switchIfEmpty(Mono.error(() -> notFound(campaignId)))
			.flatMap((campaign) -> this.state.configureWaitingRoom(campaign)
				.then(this.state.control(campaign))
				.then(this.copies.changed(campaign))
				.thenReturn(campaign))
			.doOnNext((campaign) -> {
				logger.info("Campaign "
						+ campaignId + ": waiting room " + ((room != null)
								? room.admitPerSecond() + " a second, tickets for " + room.ticketTtl() : "removed")
						+ " by an operator");
			})
			.then(Mono.defer(() -> view(campaignId)));
	}

	/**
	 * Pauses or resumes the campaign: PostgreSQL first (what a rebuild restores), then
	 * Redis (versioned: a rebuild that read the row before cannot undo it), then every
	 * instance told.
	 */
	public Mono<CampaignView> pause(String campaignId, boolean paused) {
		return control(campaignId, this.repository.setPaused(campaignId, paused), paused ? "paused" : "resumed");
	}

	/**
	 * Ends the campaign now (it never ends later than planned); claims are refused from
	 * then on.
	 */
	public Mono<CampaignView> end(String campaignId) {
		return control(campaignId, this.repository.end(campaignId, this.clock.instant()), "ended early");
	}

	private Mono<CampaignView> control(String campaignId, Mono<Campaign> changed, String what) {
		return find(campaignId).then(changed)
			.switchIfEmpty(Mono.error(() -> notFound(campaignId)))
			.flatMap(
					(campaign) -> this.state.control(campaign).then(this.copies.changed(campaign)).thenReturn(campaign))
			.doOnNext((campaign) -> {
				logger.info("Campaign " + campaignId + " " + what + " by an operator");
			})
			.then(Mono.defer(() -> view(campaignId)));
	}

	/**
	 * The campaign once its Redis state is checked against PostgreSQL (see
	 * {@link CampaignRebuilds}); a 503 problem while the check takes longer than a claim
	 * waits; 404 when unknown.
	 */
	public Mono<Campaign> rebuild(String campaignId) {
		return find(campaignId).then(this.rebuilds.rebuild(campaignId));
	}

	/** The newest campaigns with their stock, for people picking one to watch. */
	public Flux<CampaignView> recent(int limit) {
		// a few at a time, in order: after Redis lost its data each view may first
		// rebuild its campaign
		return this.repository.findRecent(limit)
			.flatMapSequential((campaign) -> view(campaign.id()).onErrorResume((ex) -> Mono.empty()), 8);
	}

	/**
	 * The reconciliation report of a campaign: Redis, the outbox, PostgreSQL and the
	 * conflicts side by side.
	 */
	public Mono<Reconciliation> reconcile(String campaignId) {
		return find(campaignId).flatMap((campaign) -> Mono
			.zip(this.state.issued(campaign).defaultIfEmpty(0L), this.state.outboxSize(campaign),
					this.repository.storedAndConflicts(campaignId))
			.map((all) -> Reconciliation.of(campaign, all.getT1(), all.getT2(), all.getT3()[0], all.getT3()[1])));
	}

	/**
	 * The coupons PostgreSQL stored for one user of a campaign (none for an unknown
	 * campaign).
	 */
	public Flux<StoredCoupon> storedCoupons(String campaignId, String userId) {
		return this.repository.storedCoupons(campaignId, userId);
	}

	public static ProblemException notFound(String campaignId) {
		return new ProblemException(Problem.of(ProblemCode.CAMPAIGN_NOT_FOUND, "No campaign '" + campaignId + "'."));
	}

}
