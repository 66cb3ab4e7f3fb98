package dev.coupongateway.issue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignState;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.campaign.StoredCoupon;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * A user's coupons of a campaign: what Redis granted, marked {@code STORED} once
 * PostgreSQL has the row.
 */
@Component
class MyCoupons {

	private final CampaignService campaigns;

	private final CampaignState state;

	MyCoupons(CampaignService campaigns, CampaignState state) {
		this.campaigns = campaigns;
		this.state = state;
	}

	/**
	 * The coupons in the order of their slots; a {@code CAMPAIGN_NOT_FOUND} problem for
	 * an unknown campaign.
	 */
	Mono<List<CouponView>> of(String campaignId, String userId) {
		Mono<List<StoredCoupon>> stored = this.campaigns.storedCoupons(campaignId, userId).collectList();
		return this.campaigns.find(campaignId)
			.flatMap((campaign) -> Mono.zip(this.state.grants(campaign, userId), stored))
			.map((both) -> {
				Map<UUID, CouponView> coupons = new LinkedHashMap<>();
				for (Grant grant : both.getT1()) {
					coupons.put(grant.couponId(), CouponView.of(campaignId, userId, grant, CouponState.PENDING));
				}
				// a stored row is the later word on the same coupon
				for (StoredCoupon row : both.getT2()) {
					coupons.put(row.couponId(), CouponView.of(campaignId, userId, row.grant(), CouponState.STORED));
				}
				return List.copyOf(coupons.values());
			});
	}

}
