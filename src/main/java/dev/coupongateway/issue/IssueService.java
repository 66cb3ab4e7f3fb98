package dev.coupongateway.issue;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.coupongateway.campaign.CampaignRebuilds;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Service;

/**
 * A claim from decision to hand-off: the script decides in Redis, a grant is sent to Kafka. Once the
 * script has run, the claim finishes even if the caller hangs up, so a grant is never left unsent.
 */
@Service
class IssueService {

	private static final Log logger = LogFactory.getLog(IssueService.class);

	private final IssueScript script;

	private final CampaignService campaigns;

	private final CampaignRebuilds rebuilds;

	private final CouponPublisher publisher;

	private final Outbox outbox;

	private final Duration redisTimeout;

	private final Duration ackTimeout;

	/** One counter per decision, looked up once: the claim path runs thousands of times a second. */
	private final Map<Result, Counter> outcomes = new EnumMap<>(Result.class);

	private final Counter pendingSends;

	IssueService(IssueScript script, CampaignService campaigns, CampaignRebuilds rebuilds, CouponPublisher publisher,
			Outbox outbox, CouponProperties properties, MeterRegistry meters) {
		this.script = script;
		this.campaigns = campaigns;
		this.rebuilds = rebuilds;
		this.publisher = publisher;
		this.outbox = outbox;
		this.redisTimeout = properties.redis().timeout();
		this.ackTimeout = properties.kafka().ackTimeout();
		for (Result result : Result.values()) {
			this.outcomes.put(result, meters.counter("coupon.claims", "outcome", result.name()));
		}
		this.pendingSends = Counter.builder("coupon.publish.pending")
			.description("Grants whose Kafka send was not acknowledged in time (answered 202)")
			.register(meters);
	}

	/** Decides the claim and, for a grant, waits up to the ack timeout for Kafka. */
	Mono<Claim> claim(String campaignId, String userId) {
		UUID couponId = UUID.randomUUID();
		Mono<Claim> claim = decide(campaignId, userId, couponId).flatMap((outcome) -> {
			this.outcomes.get(outcome.result()).increment();
			if (outcome.result() != Result.GRANTED) {
				return Mono.just(new Claim(outcome, false));
			}
			return send(campaignId, userId, outcome).map((acked) -> new Claim(outcome, acked));
		});
		// detached from the caller: a hang-up after the script ran must not stop the send
		return Mono.fromFuture(claim.toFuture(), true);
	}

	private Mono<IssueOutcome> decide(String campaignId, String userId, UUID couponId) {
		Mono<IssueOutcome> claim = runScript(campaignId, userId, couponId);
		if (this.rebuilds.needed(campaignId)) {
			claim = this.campaigns.rebuild(campaignId).then(claim);
		}
		return claim.flatMap((outcome) -> {
			if (outcome.result() != Result.UNKNOWN_CAMPAIGN) {
				return Mono.just(outcome);
			}
			return this.campaigns.rebuild(campaignId)
				.then(runScript(campaignId, userId, couponId))
				.filter((retried) -> retried.result() != Result.UNKNOWN_CAMPAIGN)
				.switchIfEmpty(Mono.error(() -> CampaignService.notFound(campaignId)));
		});
	}

	/** A Redis that is away or slow ends in a timeout or connection error, which answers 503. */
	private Mono<IssueOutcome> runScript(String campaignId, String userId, UUID couponId) {
		return this.script.claim(campaignId, userId, couponId).timeout(this.redisTimeout);
	}

	/**
	 * Sends the grant's event and settles its outbox entry once Kafka acknowledged it, however late.
	 * The claim waits up to the ack timeout: true when acknowledged by then; false (and counted) when the
	 * send failed or is still out, and the outbox relay will deliver it.
	 */
	private Mono<Boolean> send(String campaignId, String userId, IssueOutcome outcome) {
		Grant grant = outcome.granted();
		CouponIssued event = new CouponIssued(grant.couponId(), campaignId, userId, grant.sequence(),
				grant.userSlot(), grant.issuedAt());
		CompletableFuture<Void> delivered = this.publisher.publish(event)
			.then(Mono.defer(() -> this.outbox.settle(campaignId, outcome.outboxEntry())
				// Kafka has it; an entry left unsettled only costs the relay a harmless re-send
				.onErrorResume((ex) -> Mono.empty())))
			.toFuture();
		return Mono.fromFuture(delivered, true)
			.timeout(this.ackTimeout)
			.thenReturn(true)
			.onErrorResume((ex) -> {
				this.pendingSends.increment();
				logger.warn("Coupon " + grant.couponId() + " granted, Kafka ack missing (" + ex.getClass().getSimpleName()
						+ "); answered PENDING, the outbox relay delivers it");
				return Mono.just(false);
			});
	}

	/** A decided claim; {@code acked} tells whether Kafka confirmed the grant's event. */
	record Claim(IssueOutcome outcome, boolean acked) {
	}

}
