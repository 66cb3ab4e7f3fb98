package dev.coupongateway.campaign;

import java.util.List;

/**
 * The Redis keys of one campaign. All share the hash tag {@code {id}}, so they live in one slot and
 * one script may touch them all, in Redis Cluster too.
 *
 * @param settings hash: {@code total}, {@code limit}, {@code starts}, {@code ends} (epoch ms, 0 = none),
 * {@code issued} (grants made), {@code seq} (highest sequence handed out)
 * @param grants hash: user id to the user's grants, {@code couponId:sequence:issuedAtMs} joined by {@code ,}
 * @param outbox stream: one entry per grant not yet confirmed by Kafka (fields {@code c u s l t})
 * @param relayLease string: which instance's relay drains the outbox now
 * @param free list: sequences a rebuild gave back to the stock (their grant was lost with Redis)
 */
public record CampaignKeys(String settings, String grants, String outbox, String relayLease, String free) {

	/** A set (outside any campaign's slot) of every campaign id that has Redis state, for the relay. */
	public static final String ALL_CAMPAIGNS = "coupon:campaigns";

	/** A pub/sub channel: the id of each campaign a rebuild wrote, so every instance forgets its claim facts. */
	public static final String REBUILT_CHANNEL = "coupon:rebuilt";

	public static CampaignKeys of(String campaignId) {
		String prefix = "coupon:{" + campaignId + "}:";
		return new CampaignKeys(prefix + "settings", prefix + "grants", prefix + "outbox", prefix + "relay-lease",
				prefix + "free");
	}

	/** The keys the restore script takes, in its order. */
	public List<String> scriptKeys() {
		return List.of(this.settings, this.grants, this.outbox, this.free);
	}

	/** The keys the claim script takes: the campaign's, then the user's and the address's rate limiters. */
	public List<String> claimKeys(String userId, String address) {
		String limiter = this.settings.substring(0, this.settings.length() - "settings".length()) + "limit:";
		return List.of(this.settings, this.grants, this.outbox, this.free, limiter + "u:" + userId,
				limiter + "a:" + address);
	}

}
