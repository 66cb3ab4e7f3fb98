package dev.coupongateway.issue;

import java.time.Duration;
import java.util.List;

import dev.coupongateway.campaign.Grant;

/**
 * How a claim was answered: what the claim script decided, or why it was not asked.
 *
 * @param result the decision
 * @param grants the new grant ({@code GRANTED}) or the user's existing ones
 * ({@code ALREADY_ISSUED}); else empty
 * @param outboxEntry the grant's entry in the campaign's outbox stream ({@code GRANTED}
 * only)
 * @param retryAfter when the caller may claim again ({@code RATE_LIMITED} only)
 */
record IssueOutcome(Result result, List<Grant> grants, String outboxEntry, Duration retryAfter) {

	IssueOutcome(Result result, List<Grant> grants, String outboxEntry) {
		this(result, grants, outboxEntry, null);
	}

	/**
	 * The script's decisions, one per return code of {@code issue.lua}, and the answers
	 * given without one.
	 */
	enum Result {

		GRANTED, UNKNOWN_CAMPAIGN, ALREADY_ISSUED, NOT_STARTED, ENDED, SOLD_OUT, RATE_LIMITED, PAUSED,

		/**
		 * The campaign has a waiting room and the claim carries no ticket admitting this
		 * user now.
		 */
		NOT_ADMITTED,

		/**
		 * A campaign split into buckets: the user's bucket is empty and no stock could be
		 * moved in now, though the campaign still has some (in another bucket, in
		 * transit, or in a bucket being checked). Answered "try again" (503 with
		 * Retry-After), never as sold out.
		 */
		BUCKET_EMPTY,

		/**
		 * Too many claims in flight on this instance
		 * ({@code coupon.issue.max-in-flight}): shed before the script ran.
		 */
		SHED,

		/**
		 * Redis had no checked state for the campaign, and the check took longer than a
		 * claim waits.
		 */
		REBUILDING

	}

	static IssueOutcome rateLimited(Duration retryAfter) {
		return new IssueOutcome(Result.RATE_LIMITED, List.of(), null, retryAfter);
	}

	static IssueOutcome of(Result result) {
		return new IssueOutcome(result, List.of(), null);
	}

	Grant granted() {
		return this.grants.get(0);
	}

}
