package dev.coupongateway.issue;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.buckets.BucketMoves;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignState;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import dev.coupongateway.system.RedisFailures;
import dev.coupongateway.waiting.Tickets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Service;

/**
 * A claim from decision to hand-off: the script decides in Redis, a grant is sent to Kafka. Once the
 * script has run, the claim finishes even if the caller hangs up, so a grant is never left unsent.
 * Facts that only ever become true (sold out, user at the limit) are answered from this instance's
 * memory; past {@code coupon.issue.max-in-flight} claims a claim is shed before the script runs; and
 * a claim whose script may have run is never answered 503 while Redis can say what it decided.
 */
@Service
class IssueService {

	private static final Log logger = LogFactory.getLog(IssueService.class);

	/**
	 * How often a claim on an empty bucket of a split campaign pulls stock in and tries again. Each try it
	 * loses is a unit another claim won, so the sale makes progress; the bound keeps one claim's latency
	 * in check at the very end of a sale, when many claims chase the last units.
	 */
	private static final int REFILLS = 16;

	private final IssueScript script;

	private final CampaignService campaigns;

	private final CampaignState state;

	private final ClaimFacts facts;

	private final CouponPublisher publisher;

	private final Outbox outbox;

	private final BucketMoves moves;

	private final Tickets tickets;

	private final Duration redisTimeout;

	private final Duration ackTimeout;

	private final CouponProperties.Ack ack;

	private final int maxInFlight;

	private final AtomicInteger inFlight = new AtomicInteger();

	/** One counter per decision, looked up once: the claim path runs thousands of times a second. */
	private final Map<Result, Counter> outcomes = new EnumMap<>(Result.class);

	private final Counter pendingSends;

	private final Counter shed;

	private final Counter recovered;

	IssueService(IssueScript script, CampaignService campaigns, CampaignState state,
			ClaimFacts facts, CouponPublisher publisher, Outbox outbox, BucketMoves moves, Tickets tickets,
			CouponProperties properties, MeterRegistry meters) {
		this.moves = moves;
		this.tickets = tickets;
		this.script = script;
		this.campaigns = campaigns;
		this.state = state;
		this.facts = facts;
		this.publisher = publisher;
		this.outbox = outbox;
		this.redisTimeout = properties.redis().timeout();
		this.ackTimeout = properties.kafka().ackTimeout();
		this.ack = properties.issue().ack();
		this.maxInFlight = properties.issue().maxInFlight();
		for (Result result : Result.values()) {
			this.outcomes.put(result, meters.counter("coupon.claims", "outcome", result.name()));
		}
		this.pendingSends = Counter.builder("coupon.publish.pending")
			.description("Grants whose Kafka send was not acknowledged in time (answered 202)")
			.register(meters);
		this.shed = Counter.builder("coupon.claims.shed")
			.description("Claims turned away before the script ran because too many were in flight (503)")
			.register(meters);
		this.recovered = Counter.builder("coupon.claims.recovered")
			.description("Claims whose script answer was lost (timeout, dropped connection) and that Redis confirmed as granted")
			.register(meters);
		Gauge.builder("coupon.claims.in.flight", this.inFlight, AtomicInteger::get)
			.description("Claims being decided on this instance")
			.register(meters);
	}

	/**
	 * Decides the claim of {@code userId}, calling from {@code address}, and, for a grant, waits up to the
	 * ack timeout for Kafka (in {@code kafka} ack mode).
	 */
	Mono<Claim> claim(String campaignId, String userId, String address, String ticket) {
		IssueOutcome known = this.facts.known(campaignId, userId);
		if (known != null) {
			this.outcomes.get(known.result()).increment();
			return Mono.just(new Claim(known, false));
		}
		if (this.inFlight.incrementAndGet() > this.maxInFlight) {
			this.inFlight.decrementAndGet();
			this.shed.increment();
			return Mono.error(new ProblemException(
					Problem.unavailable("Too many claims at once; nothing was granted. Retry shortly.")));
		}
		ClaimFacts.Moment moment = this.facts.now(campaignId);
		UUID couponId = UUID.randomUUID();
		// the slot is held while Redis decides, not while Kafka acknowledges: a slow broker must not shed claims
		Mono<Claim> claim = this.campaigns.findForClaim(campaignId)
			.zipWith(admitted(campaignId, userId, ticket))
			.flatMap((found) -> {
				Campaign campaign = found.getT1();
				CampaignKeys bucket = campaign.keysFor(userId);
				Attempt attempt = new Attempt(bucket, userId, address, couponId, found.getT2());
				return decide(campaign, attempt).map((outcome) -> new Decided(campaign, bucket, outcome));
			})
			.doFinally((signal) -> this.inFlight.decrementAndGet())
			.flatMap((decided) -> {
				IssueOutcome outcome = decided.outcome();
				this.outcomes.get(outcome.result()).increment();
				this.facts.learn(decided.campaign(), userId, outcome, moment);
				if (outcome.result() != Result.GRANTED) {
					return Mono.just(new Claim(outcome, false));
				}
				return send(decided.bucket(), userId, outcome).map((acked) -> new Claim(outcome, acked));
			});
		// detached from the caller: a hang-up after the script ran must not stop the send
		return Mono.fromFuture(claim.toFuture(), true);
	}

	/**
	 * Whether the claim carries a ticket admitting this user to the campaign's waiting room now. Whether
	 * the campaign has a waiting room is the script's to say (from Redis, as the operator last set it).
	 */
	private Mono<Boolean> admitted(String campaignId, String userId, String ticket) {
		return (ticket == null) ? Mono.just(false) : this.tickets.admits(ticket, campaignId, userId);
	}

	private Mono<IssueOutcome> decide(Campaign campaign, Attempt attempt) {
		return runScript(attempt).flatMap((outcome) -> {
			if (outcome.result() != Result.UNKNOWN_CAMPAIGN) {
				return Mono.just(outcome);
			}
			// the campaign exists (PostgreSQL has it): Redis has no state for it, or state not checked on the
			// server it lives on now (a restart or failover): checked first, 503 while that takes long
			return this.campaigns.rebuild(campaign.id())
				.then(runScript(attempt))
				.filter((retried) -> retried.result() != Result.UNKNOWN_CAMPAIGN)
				.switchIfEmpty(Mono.error(() -> new ProblemException(Problem
					.unavailable("The campaign's state is being checked; nothing was granted. Retry shortly."))));
		}).flatMap((outcome) -> (outcome.result() == Result.SOLD_OUT && campaign.buckets() > 1)
				? refillAndRetry(campaign, attempt, REFILLS) : Mono.just(outcome));
	}

	/**
	 * The user's bucket of a split campaign is empty: stock is moved in from the fullest bucket and the
	 * script runs again (other claims may take what came in: up to {@link #REFILLS} times). Sold out only
	 * when no bucket has stock in hand or in transit; otherwise {@code BUCKET_EMPTY}, which tells the
	 * client to try again (503), never that the campaign is sold out.
	 */
	private Mono<IssueOutcome> refillAndRetry(Campaign campaign, Attempt attempt, int attempts) {
		return this.moves.refill(campaign, attempt.bucket()).flatMap((refill) -> {
			if (refill.units() == 0) {
				return Mono.just(IssueOutcome.of(refill.stockLeft() ? Result.BUCKET_EMPTY : Result.SOLD_OUT));
			}
			return runScript(attempt).flatMap((outcome) -> {
				if (outcome.result() != Result.SOLD_OUT) {
					return Mono.just(outcome);
				}
				return (attempts > 1) ? refillAndRetry(campaign, attempt, attempts - 1)
						: Mono.just(IssueOutcome.of(Result.BUCKET_EMPTY));
			});
		});
	}

	/**
	 * Runs the script. When its answer is lost (a timeout, a dropped connection), the script may have run
	 * all the same: Redis is asked for the user's grants (on the same connection, so after the script),
	 * and a grant carrying this claim's coupon id is the answer. Only when Redis cannot say does the
	 * claim fail (503), and then a retry returns the coupon if one was granted.
	 */
	private Mono<IssueOutcome> runScript(Attempt attempt) {
		CampaignKeys bucket = attempt.bucket();
		return this.script.claim(bucket, attempt.userId(), attempt.address(), attempt.couponId(), attempt.admitted())
			.timeout(this.redisTimeout)
			// the look-up gets Lettuce's own command timeout, not the claim's: it must outlast a slow moment
			.onErrorResume(RedisFailures::isUnavailable, (lost) -> this.state.grants(bucket, attempt.userId())
				.onErrorMap((ex) -> lost)
				.flatMap((grants) -> grants.stream()
					.filter((grant) -> grant.couponId().equals(attempt.couponId()))
					.findFirst()
					.map((grant) -> {
						this.recovered.increment();
						return Mono.just(new IssueOutcome(Result.GRANTED, List.of(grant), null));
					})
					.orElseGet(() -> Mono.error(lost))));
	}

	/** One claim's inputs to the script, the same for every try of it. */
	private record Attempt(CampaignKeys bucket, String userId, String address, UUID couponId, boolean admitted) {
	}

	/**
	 * Sends the grant's event; once Kafka acknowledged it, however late, its outbox entry is settled with
	 * the next batch ({@link OutboxSettler}), off the answer's path.
	 * In {@code kafka} ack mode the claim waits up to the ack timeout: true when acknowledged by then;
	 * false (and counted) when the send failed or is still out, and the outbox relay will deliver it. In
	 * {@code redis} mode the claim does not wait: Redis holds the grant and its outbox entry.
	 */
	private Mono<Boolean> send(CampaignKeys bucket, String userId, IssueOutcome outcome) {
		Grant grant = outcome.granted();
		CouponIssued event = new CouponIssued(grant.couponId(), bucket.campaignId(), userId, grant.sequence(),
				grant.userSlot(), grant.issuedAt());
		String entry = outcome.outboxEntry();
		CompletableFuture<Void> delivered = this.publisher.publish(event).doOnSuccess((acked) -> {
			if (entry != null && !entry.isEmpty()) {
				this.outbox.settleSoon(bucket, entry);
			}
		}).toFuture();
		if (this.ack == CouponProperties.Ack.REDIS) {
			return Mono.just(true);
		}
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

	private record Decided(Campaign campaign, CampaignKeys bucket, IssueOutcome outcome) {
	}

	/** A decided claim; {@code acked} tells whether the grant is as durable as the ack mode promises. */
	record Claim(IssueOutcome outcome, boolean acked) {
	}

}
