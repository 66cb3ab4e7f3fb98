package dev.coupongateway.issue;

import java.time.Instant;
import java.util.UUID;

import dev.coupongateway.campaign.Grant;

/**
 * A coupon as the claim and {@code /coupons/mine} show it.
 *
 * @param state {@code ISSUED}, {@code PENDING} or {@code STORED} (see
 * {@link CouponState})
 */
record CouponView(UUID couponId, String campaignId, String userId, int sequence, Instant issuedAt, CouponState state) {

	static CouponView of(String campaignId, String userId, Grant grant, CouponState state) {
		return new CouponView(grant.couponId(), campaignId, userId, grant.sequence(), grant.issuedAt(), state);
	}

}
