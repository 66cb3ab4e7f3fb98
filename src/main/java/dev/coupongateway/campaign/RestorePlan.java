package dev.coupongateway.campaign;

import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a rebuild writes back into Redis from the coupons PostgreSQL stored, for
 * {@code scripts/restore.lua} (a campaign on one slot) and {@code scripts/bucket.lua} (a
 * campaign split into buckets) alike: the sequences taken, the highest of them, the gaps
 * below it (numbers no stored coupon has, back to the stock), and each user's coupons
 * encoded as the grants hash holds them. Fed one coupon at a time, so a rebuild can
 * stream the rows; not thread-safe.
 */
public final class RestorePlan {

	private final BitSet taken = new BitSet();

	/** Counts the coupon's sequence as taken. */
	public void take(StoredCoupon coupon) {
		this.taken.set(coupon.sequence());
	}

	/** The highest sequence a stored coupon has, 0 when none. */
	public int highest() {
		return Math.max(0, this.taken.length() - 1);
	}

	/** The sequences below {@link #highest()} no stored coupon has, lowest first. */
	public IntStream gaps() {
		int highest = highest();
		return IntStream.iterate(this.taken.nextClearBit(1), (sequence) -> sequence < highest,
				(sequence) -> this.taken.nextClearBit(sequence + 1));
	}

	/**
	 * One user's stored coupons as the grants hash holds them
	 * ({@code couponId:sequence:issuedAtMs,...}), by slot.
	 */
	public static String grants(List<StoredCoupon> coupons) {
		return coupons.stream()
			.sorted(Comparator.comparingInt(StoredCoupon::userSlot))
			.map((coupon) -> coupon.grant().encode())
			.collect(Collectors.joining(","));
	}

}
