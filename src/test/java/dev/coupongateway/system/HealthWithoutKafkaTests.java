package dev.coupongateway.system;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka unreachable (nothing listens on its port): the gateway still answers claims (202,
 * see KafkaUnavailableTests), so its readiness, what the load balancer routes by, stays
 * UP; the full health is DOWN, and says why only to the operator, never Kafka's error
 * text to anyone.
 */
@CouponGatewayTest(properties = { "spring.kafka.bootstrap-servers=127.0.0.1:1", "coupon.kafka.startup-timeout=1s",
		"coupon.roles=gateway" })
@DirtiesContext
class HealthWithoutKafkaTests {

	@Autowired
	private WebTestClient http;

	@Test
	void whenKafkaIsDownThenTheGatewayIsStillReadyAndAliveAndHealthTellsOnlyTheOperatorWhy() {
		this.http.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
		this.http.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();

		String anonymous = this.http.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(anonymous).contains("\"status\":\"DOWN\"")
			.doesNotContain("components", "details", "error", "kafka", "127.0.0.1:1", "Exception");

		this.http.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.components.kafka.status")
			.isEqualTo("DOWN")
			.jsonPath("$.components.kafka.details.error")
			.exists()
			.jsonPath("$.components.redis.status")
			.isEqualTo("UP");
	}

}
