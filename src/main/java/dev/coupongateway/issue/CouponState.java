package dev.coupongateway.issue;

/**
 * Where a coupon is on its way from Redis to PostgreSQL, as the claim and
 * {@code /coupons/mine} show it (by name).
 */
enum CouponState {

	/** Kafka has it, on its way to storage. */
	ISSUED,

	/** Granted, delivery not confirmed yet. */
	PENDING,

	/** A row in PostgreSQL. */
	STORED

}
