package dev.coupongateway.issue;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.issue.IssueOutcome.Result;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The claim path's meters, registered once: the claim path runs thousands of times a
 * second.
 */
@Component
class ClaimMeters {

	/**
	 * Answered before Redis decided: counted as shed (or not at all), never as a
	 * {@code coupon.claims} outcome.
	 */
	private static final Set<Result> UNDECIDED = EnumSet.of(Result.SHED, Result.REBUILDING);

	private final MeterRegistry meters;

	/** One counter per decision. */
	private final Map<Result, Counter> outcomes = new EnumMap<>(Result.class);

	private final Counter pendingSends;

	private final Counter shed;

	private final Counter recovered;

	ClaimMeters(MeterRegistry meters) {
		this.meters = meters;
		for (Result result : EnumSet.complementOf(EnumSet.copyOf(UNDECIDED))) {
			this.outcomes.put(result, meters.counter("coupon.claims", "outcome", result.name()));
		}
		this.pendingSends = Counter.builder("coupon.publish.pending")
			.description("Grants whose Kafka send was not acknowledged in time (answered 202)")
			.register(meters);
		this.shed = Counter.builder("coupon.claims.shed")
			.description("Claims turned away before the script ran because too many were in flight (503)")
			.register(meters);
		this.recovered = Counter.builder("coupon.claims.recovered")
			.description(
					"Claims whose script answer was lost (timeout, dropped connection) and that Redis confirmed as granted")
			.register(meters);
	}

	/**
	 * A claim was answered with this outcome ({@code coupon.claims}, by outcome); not
	 * counted for a scratch campaign (the warm-up's: {@code coupon.warmup.claims} counts
	 * those).
	 */
	void decided(String campaignId, IssueOutcome outcome) {
		if (CampaignId.isScratch(campaignId)) {
			return;
		}
		Counter counter = this.outcomes.get(outcome.result());
		if (counter != null) {
			counter.increment();
		}
	}

	void pendingSend() {
		this.pendingSends.increment();
	}

	void shed() {
		this.shed.increment();
	}

	void recovered() {
		this.recovered.increment();
	}

	/**
	 * Shows the claims being decided on this instance, {@code coupon.claims.in.flight}.
	 */
	void inFlight(AtomicInteger inFlight) {
		Gauge.builder("coupon.claims.in.flight", inFlight, AtomicInteger::get)
			.description("Claims being decided on this instance")
			.register(this.meters);
	}

}
