package dev.coupongateway.issue;

import java.util.UUID;

import dev.coupongateway.campaign.CampaignKeys;

/**
 * One claim's inputs to the script, the same for every try of it (a rebuild, a refill).
 *
 * @param bucket the keys of the user's bucket
 * @param userId who claims
 * @param address where from, for the per-address rate limit
 * @param couponId the id a grant gets, chosen before the first try so a lost answer can
 * be recognised
 * @param admitted whether the claim carries a waiting-room ticket admitting this user now
 */
record ClaimAttempt(CampaignKeys bucket, String userId, String address, UUID couponId, boolean admitted) {
}
