package dev.coupongateway.issue;

import java.util.ArrayList;
import java.util.List;

import dev.coupongateway.GatewayInstance;
import dev.coupongateway.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An instance is ready only once it has sent its claim path the warm-up requests, and
 * nothing was granted; in either identity mode.
 */
class ClaimPathWarmupTests {

	@Test
	void whenAnInstanceStartsThenItIsReadyOnlyAfterItsClaimPathWasWarmedUp() {
		try (ConfigurableApplicationContext instance = GatewayInstance.start("coupon.issue.warmup-requests=400",
				"coupon.roles=gateway")) {
			assertWarmedUp(instance, 400);
		}
	}

	@Test
	void whenIdentityIsJwtThenTheWarmUpStillRunsTheClaimPath() {
		// the warm-up has no token to send: its claims must not be refused before the
		// claim path
		List<String> settings = new ArrayList<>(List.of(Tokens.JWT_MODE));
		settings.add("coupon.issue.warmup-requests=120");
		settings.add("coupon.roles=gateway");
		try (ConfigurableApplicationContext instance = GatewayInstance.start(settings.toArray(String[]::new))) {
			assertWarmedUp(instance, 120);
		}
	}

	private static void assertWarmedUp(ConfigurableApplicationContext instance, int requests) {
		assertThat(instance.getBean(ApplicationAvailability.class).getReadinessState())
			.isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
		MeterRegistry meters = instance.getBean(MeterRegistry.class);
		// the warm-up's claims were all answered by the claim path (404: the campaign
		// does not exist) before ready
		assertThat(meters.find("coupon.claim").tag("status", "404").timer())
			.as("claims the claim path answered 404 during the warm-up")
			.isNotNull()
			.satisfies((timer) -> assertThat(timer.count()).isEqualTo(requests));
		assertThat(meters.counter("coupon.claims", "outcome", "GRANTED").count()).isZero();
	}

}
