package dev.coupongateway.campaign;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import reactor.core.publisher.Mono;

/**
 * Creates campaigns and reads them back with their live stock. PostgreSQL holds a campaign's
 * settings; Redis holds its counters and is rebuilt from PostgreSQL when it has lost them.
 */
@Service
public class CampaignService {

	private static final Log logger = LogFactory.getLog(CampaignService.class);

	private final CampaignRepository repository;

	private final CampaignState state;

	private final Clock clock;

	/** Campaigns never change after creation, so their settings are cached once read. */
	private final ConcurrentMap<String, Campaign> campaigns = new ConcurrentHashMap<>();

	public CampaignService(CampaignRepository repository, CampaignState state, Clock clock) {
		this.repository = repository;
		this.state = state;
		this.clock = clock;
	}

	public Mono<Campaign> create(Campaign campaign) {
		return this.repository.insert(campaign)
			.onErrorMap(DuplicateKeyException.class, (ex) -> new ProblemException(Problem
				.of(HttpStatus.CONFLICT, "CAMPAIGN_EXISTS", "A campaign with id '" + campaign.id() + "' exists.")))
			.flatMap((created) -> this.state.restore(created, java.util.List.of()).thenReturn(created))
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

	/** Rebuilds the campaign's Redis state from the coupons PostgreSQL has stored; a no-op when present. */
	public Mono<Campaign> rebuild(String campaignId) {
		return find(campaignId).flatMap((campaign) -> this.repository.storedCoupons(campaignId)
			.collectList()
			.flatMap((stored) -> this.state.restore(campaign, stored))
			.doOnNext((written) -> {
				if (written) {
					logger.warn("Campaign " + campaignId + ": Redis state was missing, rebuilt from PostgreSQL");
				}
			})
			.thenReturn(campaign));
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
