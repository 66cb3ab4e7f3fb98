package dev.coupongateway.campaign;

/**
 * Where a campaign's coupons are: granted in Redis, waiting in the outbox, on their way
 * through Kafka, stored in PostgreSQL, refused into the conflict table; and whether it
 * all agrees.
 *
 * @param campaignId the campaign
 * @param total coupons on offer
 * @param granted grants Redis counts
 * @param pendingInOutbox grants whose Kafka ack has not settled them yet
 * @param stored coupon rows in PostgreSQL
 * @param conflicts records the database refused (kept in {@code coupon_conflict} and the
 * DLT)
 * @param inFlight granted, acknowledged by Kafka, not stored yet:
 * {@code granted - stored - pendingInOutbox} (negative when PostgreSQL holds coupons
 * Redis lost, before a rebuild)
 * @param agree every grant is stored, nothing is pending, nothing was refused
 */
record Reconciliation(String campaignId, int total, long granted, long pendingInOutbox, long stored, long conflicts,
		long inFlight, boolean agree) {

	static Reconciliation of(Campaign campaign, long granted, long pending, long stored, long conflicts) {
		return new Reconciliation(campaign.id(), campaign.totalStock(), granted, pending, stored, conflicts,
				granted - stored - pending, granted == stored && pending == 0 && conflicts == 0);
	}

}
