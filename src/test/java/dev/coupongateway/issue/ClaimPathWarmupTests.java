package dev.coupongateway.issue;

import dev.coupongateway.GatewayInstance;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** An instance is ready only once it has sent its claim path the warm-up requests, and nothing was granted. */
class ClaimPathWarmupTests {

	@Test
	void whenAnInstanceStartsThenItIsReadyOnlyAfterItsClaimPathWasWarmedUp() {
		try (ConfigurableApplicationContext instance = GatewayInstance.start("coupon.issue.warmup-requests=400",
				"coupon.roles=gateway")) {
			assertThat(instance.getBean(ApplicationAvailability.class).getReadinessState())
				.isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
			MeterRegistry meters = instance.getBean(MeterRegistry.class);
			// the warm-up's claims were all answered (404: the campaign does not exist) before ready
			assertThat(meters.get("coupon.claim").tag("status", "404").timer().count()).isEqualTo(400);
			assertThat(meters.counter("coupon.claims", "outcome", "GRANTED").count()).isZero();
		}
	}

}
