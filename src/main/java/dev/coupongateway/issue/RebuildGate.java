package dev.coupongateway.issue;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.ProblemCode;
import dev.coupongateway.system.ProblemException;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Runs the script, and when Redis does not know a campaign PostgreSQL has (no state, or
 * state not checked on the server it lives on now: a restart or failover), has its state
 * checked first and runs it again; {@code REBUILDING} while that takes longer than a
 * claim waits.
 */
@Component
class RebuildGate {

	private static final IssueOutcome REBUILDING = IssueOutcome.of(Result.REBUILDING);

	private final ScriptCall script;

	private final CampaignService campaigns;

	RebuildGate(ScriptCall script, CampaignService campaigns) {
		this.script = script;
		this.campaigns = campaigns;
	}

	Mono<IssueOutcome> run(Campaign campaign, ClaimAttempt attempt) {
		return this.script.run(attempt).flatMap((outcome) -> {
			if (outcome.result() != Result.UNKNOWN_CAMPAIGN) {
				return Mono.just(outcome);
			}
			return this.campaigns.rebuild(campaign.id())
				.then(this.script.run(attempt))
				.filter((retried) -> retried.result() != Result.UNKNOWN_CAMPAIGN)
				.defaultIfEmpty(REBUILDING)
				// the check itself says 503 when it takes too long (campaign's words, the
				// same as ours)
				.onErrorResume(RebuildGate::stillChecking, (ex) -> Mono.just(REBUILDING));
		});
	}

	private static boolean stillChecking(Throwable error) {
		return error instanceof ProblemException problem && problem.problem().code() == ProblemCode.UNAVAILABLE;
	}

}
