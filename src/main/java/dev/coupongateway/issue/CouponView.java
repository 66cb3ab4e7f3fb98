package dev.coupongateway.issue;

import java.time.Instant;
import java.util.UUID;

import dev.coupongateway.campaign.Grant;

/**
 * A coupon as the claim and {@code /coupons/mine} show it.
 *
 * @param state {@code ISSUED} (Kafka has it, on its way to storage), {@code PENDING} (granted, delivery
 * not confirmed yet) or {@code STORED} (a row in PostgreSQL)
 */
record CouponView(UUID couponId, String campaignId, String userId, int sequence, Instant issuedAt, String state) {

	static CouponView of(String campaignId, String userId, Grant grant, String state) {
		return new CouponView(grant.couponId(), campaignId, userId, grant.sequence(), grant.issuedAt(), state);
	}

}
