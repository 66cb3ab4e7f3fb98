package dev.coupongateway.event;

import java.time.Instant;
import java.util.UUID;

/**
 * The event of one granted coupon, on topic {@code coupon.issued} with key
 * {@code campaignId:userId}. Idempotent by {@code couponId}: delivering it twice stores
 * one row.
 */
public record CouponIssued(UUID couponId, String campaignId, String userId, int sequence, int userSlot,
		Instant issuedAt) {

	public String key() {
		return this.campaignId + ":" + this.userId;
	}

}
