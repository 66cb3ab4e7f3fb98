package dev.coupongateway.issue;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Warms the claim path up before the instance reports ready: the JIT compiles what a spike runs, so
 * the first seconds after a deploy, when a sale opens, are not the slowest. Sends claims for a
 * campaign that does not exist through the instance's own HTTP port (routing, identity, the claim
 * script through Lettuce, the rebuild check against PostgreSQL, problem rendering), then lets Boot
 * mark the instance ready. Nothing is granted or written. Runs on the startup thread, never on an
 * event loop; {@code coupon.issue.warmup-requests=0} turns it off.
 */
@Component
class ClaimPathWarmup implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(ClaimPathWarmup.class);

	private static final Duration LIMIT = Duration.ofSeconds(60);

	private final int requests;

	private final boolean enabled;

	ClaimPathWarmup(CouponProperties properties) {
		this.requests = properties.issue().warmupRequests();
		this.enabled = properties.plays(Role.GATEWAY) && this.requests > 0;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		if (!this.enabled || !(event.getApplicationContext() instanceof WebServerApplicationContext web)) {
			return;
		}
		long started = System.nanoTime();
		String campaign = "warmup-" + UUID.randomUUID();
		WebClient client = WebClient.create("http://127.0.0.1:" + web.getWebServer().getPort());
		try {
			Flux.range(0, this.requests)
				.flatMap((i) -> client.post()
					.uri("/api/campaigns/{id}/coupons", campaign)
					.header("X-User-Id", "warmup-" + i)
					.exchangeToMono((response) -> response.releaseBody()), 32)
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
