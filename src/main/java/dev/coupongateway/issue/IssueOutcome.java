package dev.coupongateway.issue;

import java.util.List;

import dev.coupongateway.campaign.Grant;

/**
 * What the claim script decided.
 *
 * @param result the decision
 * @param grants the new grant ({@code GRANTED}) or the user's existing ones ({@code ALREADY_ISSUED}); else empty
 * @param outboxEntry the grant's entry in the campaign's outbox stream ({@code GRANTED} only)
 */
record IssueOutcome(Result result, List<Grant> grants, String outboxEntry) {

	/** The script's decisions, one per return code of {@code issue.lua}. */
	enum Result {

		GRANTED, UNKNOWN_CAMPAIGN, ALREADY_ISSUED, NOT_STARTED, ENDED, SOLD_OUT

	}

	static IssueOutcome of(Result result) {
		return new IssueOutcome(result, List.of(), null);
	}

	Grant granted() {
		return this.grants.get(0);
	}

}
