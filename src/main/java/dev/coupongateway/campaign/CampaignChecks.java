package dev.coupongateway.campaign;

import java.time.Clock;
import java.time.Duration;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.LogThrottle;
import dev.coupongateway.system.PeriodicTask;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Looks at every campaign that may still take claims, every
 * {@code coupon.rebuild.check-interval}, on every gateway: a campaign whose Redis state
 * was not checked on the server it lives on now (missing, restarted, failed over) is
 * checked at once, not when its next claim comes (which may be the first second of a
 * sale); a bucket holding older controls than PostgreSQL (a write an operator's change
 * missed) gets them again. A few checks at a time; a pass lasts until they are done
 * (ticks meanwhile are skipped). One campaign that fails (its shard away) does not hold
 * up the others.
 */
@Component
class CampaignChecks extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(CampaignChecks.class);

	private static final LogThrottle failures = new LogThrottle(Duration.ofSeconds(10));

	private final CampaignRepository repository;

	private final CampaignRebuilds rebuilds;

	private final Clock clock;

	private final Duration timeout;

	/**
	 * An ended campaign is still looked at this long (late claims must still meet a
	 * checked state).
	 */
	private final Duration endedWithin;

	/**
	 * Checks run at once by one pass: after Redis lost everything, every campaign needs
	 * one.
	 */
	private final int atOnce;

	CampaignChecks(CampaignRepository repository, CampaignRebuilds rebuilds, Clock clock, CouponProperties properties) {
		super(properties.rebuild().checkInterval(), properties.plays(Role.GATEWAY));
		this.repository = repository;
		this.rebuilds = rebuilds;
		this.clock = clock;
		this.timeout = properties.rebuild().timeout();
		this.endedWithin = properties.rebuild().endedWithin();
		this.atOnce = properties.rebuild().checksAtOnce();
	}

	@Override
	protected Mono<Void> run() {
		return this.repository.findActive(this.clock.instant(), this.endedWithin)
			.flatMap((campaign) -> this.rebuilds.verify(campaign).timeout(this.timeout).onErrorResume((ex) -> {
				if (failures.due(campaign.id())) {
					logger.warn("Checking campaign " + campaign.id() + " failed: " + ex);
				}
				return Mono.empty();
			}), this.atOnce)
			.then();
	}

}
