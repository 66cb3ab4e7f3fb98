package dev.coupongateway.issue;

import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.system.CouponProperties;

import org.springframework.stereotype.Component;

/**
 * Sheds claims past {@code coupon.issue.max-in-flight} being decided at once, before
 * their script runs.
 */
@Component
class InFlightLimit {

	private final AtomicInteger inFlight = new AtomicInteger();

	private final int maxInFlight;

	private final ClaimMeters meters;

	InFlightLimit(CouponProperties properties, ClaimMeters meters) {
		this.maxInFlight = properties.issue().maxInFlight();
		this.meters = meters;
		meters.inFlight(this.inFlight);
	}

	/**
	 * Takes a slot, true; or false (and counted as shed) when all are taken. A taken slot
	 * is given back by {@link #leave()}.
	 */
	boolean enter() {
		if (this.inFlight.incrementAndGet() > this.maxInFlight) {
			this.inFlight.decrementAndGet();
			this.meters.shed();
			return false;
		}
		return true;
	}

	void leave() {
		this.inFlight.decrementAndGet();
	}

}
