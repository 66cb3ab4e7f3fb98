package dev.coupongateway.issue;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.Paths;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * Warms the claim path up before the instance reports ready: the JIT compiles what a
 * spike runs, so the first seconds after a deploy, when a sale opens, are not the
 * slowest. Sends claims for a campaign that does not exist through the claim route's
 * handler in-process, timed as the route times them (the handler's switch, the service,
 * the campaign look-up against PostgreSQL, problem rendering), then lets Boot mark the
 * instance ready. In-process, not over HTTP, because a warm-up has no identity to show:
 * in {@code jwt} mode its requests would be refused before the claim path. Nothing is
 * granted or written. Runs on the startup thread, never on an event loop;
 * {@code coupon.issue.warmup-requests=0} turns it off.
 */
@Component
class ClaimPathWarmup implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(ClaimPathWarmup.class);

	private static final Duration LIMIT = Duration.ofSeconds(60);

	private final IssueHandler handler;

	private final ClaimTimer timer;

	private final int requests;

	private final boolean enabled;

	ClaimPathWarmup(IssueHandler handler, ClaimTimer timer, CouponProperties properties) {
		this.handler = handler;
		this.timer = timer;
		this.requests = properties.issue().warmupRequests();
		this.enabled = properties.plays(Role.GATEWAY) && this.requests > 0;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		if (!this.enabled) {
			return;
		}
		long started = System.nanoTime();
		String campaign = "warmup-" + UUID.randomUUID();
		URI requested = URI.create(Paths.of(Paths.COUPONS, campaign));
		try {
			Flux.range(0, this.requests)
				.flatMap((i) -> this.timer
					.timed(() -> this.handler.claim(campaign, "warmup-" + i, "127.0.0.1", null, requested), requested),
						32)
				.then()
				.toFuture()
				.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
			logger.info("Claim path warmed up: " + this.requests + " requests in "
					+ (System.nanoTime() - started) / 1_000_000 + " ms");
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Claim path warm-up did not finish (" + ex + "); ready all the same");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
