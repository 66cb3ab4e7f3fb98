package dev.coupongateway.issue;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Coupon ids: time-ordered UUIDs (version 7, RFC 9562: 48 bits of Unix time in ms, then
 * 74 random bits), so new coupon rows land at the end of the table's primary-key index
 * instead of all over it. A coupon id is a name, not a credential (no route takes one;
 * coupons are found by their holder): its random bits come from a generator per thread,
 * seeded once from {@link SecureRandom}, instead of {@link UUID#randomUUID()}'s shared
 * {@code SecureRandom} on every claim. Seeds differ per thread and per instance, so ids
 * made in the same millisecond still differ (74 random bits).
 */
final class CouponIds {

	private static final SecureRandom SEEDS = new SecureRandom();

	private static final ThreadLocal<SplittableRandom> RANDOM = ThreadLocal
		.withInitial(() -> new SplittableRandom(seed()));

	private CouponIds() {
	}

	/** A new coupon id, made now. */
	static UUID next() {
		return at(System.currentTimeMillis(), RANDOM.get());
	}

	static UUID at(long epochMillis, SplittableRandom random) {
		long high = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
		long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(high, low);
	}

	private static long seed() {
		return SEEDS.nextLong();
	}

}
