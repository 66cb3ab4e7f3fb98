package dev.coupongateway.issue;

import java.time.Duration;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Settles acknowledged outbox entries every {@value #EVERY_MILLIS} ms, in batches: a
 * grant's answer does not wait for its settling, and Redis gets one {@code XDEL} per
 * campaign and pass, not one per grant.
 */
@Component
class OutboxSettler extends PeriodicTask {

	static final long EVERY_MILLIS = 10;

	private final Outbox outbox;

	OutboxSettler(Outbox outbox, CouponProperties properties) {
		super(Duration.ofMillis(EVERY_MILLIS), properties.plays(Role.GATEWAY));
		this.outbox = outbox;
	}

	@Override
	protected Mono<Void> run() {
		return this.outbox.settleAcknowledged();
	}

}
