package dev.coupongateway.campaign;

import java.time.Instant;
import java.util.UUID;

/**
 * A coupon row as PostgreSQL stored it.
 *
 * @param couponId the coupon
 * @param userId who holds it
 * @param sequence the coupon's number, 1..totalStock
 * @param userSlot which of the user's coupons it is, 1..perUserLimit
 * @param issuedAt when Redis granted it
 */
public record StoredCoupon(UUID couponId, String userId, int sequence, int userSlot, Instant issuedAt) {

	/** The grant this row stores, as Redis keeps it. */
	public Grant grant() {
		return new Grant(this.couponId, this.sequence, this.userSlot, this.issuedAt);
	}

}
