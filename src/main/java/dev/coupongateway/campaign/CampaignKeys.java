package dev.coupongateway.campaign;

import java.util.List;

/**
 * The Redis keys of one campaign. All share the hash tag {@code {id}}, so they live in one slot and
 * one script may touch them all, in Redis Cluster too.
 *
 * @param settings hash: {@code total}, {@code limit}, {@code starts}, {@code ends} (epoch ms, 0 = none), {@code issued}
 * @param grants hash: user id to the user's grants, {@code couponId:sequence:issuedAtMs} joined by {@code ,}
 */
public record CampaignKeys(String settings, String grants) {

	public static CampaignKeys of(String campaignId) {
		String prefix = "coupon:{" + campaignId + "}:";
		return new CampaignKeys(prefix + "settings", prefix + "grants");
	}

	public List<String> asList() {
		return List.of(this.settings, this.grants);
	}

}
