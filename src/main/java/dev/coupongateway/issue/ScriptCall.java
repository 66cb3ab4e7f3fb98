package dev.coupongateway.issue;

import java.time.Duration;
import java.util.List;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.RedisFailures;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Runs the claim script once, and recovers its answer when it is lost (a timeout, a
 * dropped connection): the script may have run all the same, so Redis is asked for the
 * user's grants (on the script's connection, so after the script), and a grant carrying
 * this claim's coupon id is the answer. Only when Redis cannot say does the claim fail
 * (503), and then a retry returns the coupon if one was granted.
 */
@Component
class ScriptCall {

	private final IssueScript script;

	private final ClaimMeters meters;

	private final Duration redisTimeout;

	ScriptCall(IssueScript script, ClaimMeters meters, CouponProperties properties) {
		this.script = script;
		this.meters = meters;
		this.redisTimeout = properties.redis().timeout();
	}

	Mono<IssueOutcome> run(ClaimAttempt attempt) {
		CampaignKeys bucket = attempt.bucket();
		return this.script.claim(bucket, attempt.userId(), attempt.address(), attempt.couponId(), attempt.admitted())
			.timeout(this.redisTimeout)
			// the look-up gets Lettuce's own command timeout, not the claim's: it must
			// outlast a slow moment
			.onErrorResume(RedisFailures::isUnavailable,
					(lost) -> this.script.grants(bucket, attempt.userId())
						.onErrorMap((ex) -> lost)
						.flatMap((grants) -> grants.stream()
							.filter((grant) -> grant.couponId().equals(attempt.couponId()))
							.findFirst()
							.map((grant) -> {
								this.meters.recovered();
								return Mono.just(new IssueOutcome(Result.GRANTED, List.of(grant), null));
							})
							.orElseGet(() -> Mono.error(lost))));
	}

}
