package dev.coupongateway.issue;

import dev.coupongateway.buckets.BucketMoves;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * A split campaign's claim that found its bucket empty: stock is moved in from the
 * fullest bucket and the script runs again. Sold out only when no bucket has stock in
 * hand or in transit; otherwise {@code BUCKET_EMPTY}, which tells the client to try again
 * (503), never that the campaign is sold out.
 */
@Component
class BucketRefills {

	private final BucketMoves moves;

	private final ScriptCall script;

	/**
	 * {@code coupon.buckets.refills}: how often a claim on an empty bucket pulls stock in
	 * and tries again.
	 */
	private final int refills;

	BucketRefills(BucketMoves moves, ScriptCall script, CouponProperties properties) {
		this.moves = moves;
		this.script = script;
		this.refills = properties.buckets().refills();
	}

	/**
	 * The outcome as decided, or, for a split campaign's {@code SOLD_OUT}, the outcome
	 * after refills.
	 */
	Mono<IssueOutcome> unlessBucketEmpty(Campaign campaign, ClaimAttempt attempt, IssueOutcome outcome) {
		return (outcome.result() == Result.SOLD_OUT && campaign.buckets() > 1)
				? refillAndRetry(campaign, attempt, this.refills) : Mono.just(outcome);
	}

	/** Other claims may take what came in: up to {@code coupon.buckets.refills} tries. */
	private Mono<IssueOutcome> refillAndRetry(Campaign campaign, ClaimAttempt attempt, int attempts) {
		return this.moves.refill(campaign, attempt.bucket()).flatMap((refill) -> {
			if (refill.units() == 0) {
				return Mono.just(IssueOutcome.of(refill.stockLeft() ? Result.BUCKET_EMPTY : Result.SOLD_OUT));
			}
			return this.script.run(attempt).flatMap((outcome) -> {
				if (outcome.result() != Result.SOLD_OUT) {
					return Mono.just(outcome);
				}
				return (attempts > 1) ? refillAndRetry(campaign, attempt, attempts - 1)
						: Mono.just(IssueOutcome.of(Result.BUCKET_EMPTY));
			});
		});
	}

}
