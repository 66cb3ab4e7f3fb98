package dev.coupongateway.campaign;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One coupon granted to a user, as Redis keeps it in the campaign's grants hash.
 *
 * @param couponId the coupon
 * @param sequence the coupon's number, 1..totalStock
 * @param userSlot which of the user's coupons this is, 1..perUserLimit
 * @param issuedAt when Redis granted it
 */
public record Grant(UUID couponId, int sequence, int userSlot, Instant issuedAt) {

	/**
	 * Parses {@code couponId:sequence:issuedAtMs,...}; the position in the list is the
	 * user slot.
	 */
	public static List<Grant> parseAll(String encoded) {
		List<Grant> grants = new ArrayList<>();
		if (encoded == null || encoded.isEmpty()) {
			return grants;
		}
		String[] entries = encoded.split(",");
		for (int i = 0; i < entries.length; i++) {
			String[] parts = entries[i].split(":");
			grants.add(new Grant(UUID.fromString(parts[0]), Integer.parseInt(parts[1]), i + 1,
					Instant.ofEpochMilli(Long.parseLong(parts[2]))));
		}
		return grants;
	}

	public String encode() {
		return this.couponId + ":" + this.sequence + ":" + this.issuedAt.toEpochMilli();
	}

}
