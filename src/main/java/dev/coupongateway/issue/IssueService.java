package dev.coupongateway.issue;

import java.util.UUID;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.issue.IssueOutcome.Result;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Service;

/**
 * A claim from decision to hand-off, one step per collaborator: answered from memory when
 * it can be ({@link ClaimFacts}), shed past the in-flight limit ({@link InFlightLimit}),
 * decided by the script ({@link RebuildGate}, {@link ScriptCall}, {@link BucketRefills})
 * and, for a grant, sent to Kafka ({@link GrantSender}). Once the script has run, the
 * claim finishes even if the caller hangs up, so a grant is never left unsent.
 */
@Service
class IssueService {

	private static final Claim SHED = new Claim(IssueOutcome.of(Result.SHED), false);

	private final ClaimFacts facts;

	private final InFlightLimit inFlight;

	private final CampaignService campaigns;

	private final WaitingRoomAdmission admission;

	private final RebuildGate script;

	private final BucketRefills refills;

	private final GrantSender sender;

	private final ClaimMeters meters;

	IssueService(ClaimFacts facts, InFlightLimit inFlight, CampaignService campaigns, WaitingRoomAdmission admission,
			RebuildGate script, BucketRefills refills, GrantSender sender, ClaimMeters meters) {
		this.facts = facts;
		this.inFlight = inFlight;
		this.campaigns = campaigns;
		this.admission = admission;
		this.script = script;
		this.refills = refills;
		this.sender = sender;
		this.meters = meters;
	}

	/**
	 * Decides the claim of {@code userId}, calling from {@code address} with the
	 * waiting-room {@code ticket} (or null), and, for a grant, hands it to Kafka.
	 */
	Mono<Claim> claim(String campaignId, String userId, String address, String ticket) {
		IssueOutcome known = this.facts.known(campaignId, userId);
		if (known != null) {
			this.meters.decided(campaignId, known);
			return Mono.just(new Claim(known, false));
		}
		if (!this.inFlight.enter()) {
			return Mono.just(SHED);
		}
		ClaimFacts.Moment moment = this.facts.now(campaignId);
		UUID couponId = CouponIds.next();
		// the slot is held while Redis decides, not while Kafka acknowledges: a slow
		// broker must not shed claims
		Mono<Claim> claim = this.campaigns.findForClaim(campaignId)
			.zipWith(this.admission.admitted(campaignId, userId, ticket))
			.flatMap((found) -> decide(found.getT1(),
					new ClaimAttempt(found.getT1().keysFor(userId), userId, address, couponId, found.getT2())))
			.doFinally((signal) -> this.inFlight.leave())
			.flatMap((decided) -> {
				IssueOutcome outcome = decided.outcome();
				this.meters.decided(campaignId, outcome);
				this.facts.learn(decided.campaign(), userId, outcome, moment);
				if (outcome.result() != Result.GRANTED) {
					return Mono.just(new Claim(outcome, false));
				}
				return this.sender.send(decided.attempt().bucket(), userId, outcome)
					.map((acked) -> new Claim(outcome, acked));
			});
		// detached from the caller: a hang-up after the script ran must not stop the send
		return Mono.fromFuture(claim.toFuture(), true);
	}

	private Mono<Decided> decide(Campaign campaign, ClaimAttempt attempt) {
		return this.script.run(campaign, attempt)
			.flatMap((outcome) -> this.refills.unlessBucketEmpty(campaign, attempt, outcome))
			.map((outcome) -> new Decided(campaign, attempt, outcome));
	}

	private record Decided(Campaign campaign, ClaimAttempt attempt, IssueOutcome outcome) {
	}

	/**
	 * A decided claim; {@code acked} tells whether the grant is as durable as the ack
	 * mode promises.
	 */
	record Claim(IssueOutcome outcome, boolean acked) {
	}

}
