package dev.coupongateway.system;

import dev.coupongateway.CouponGatewayTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

/** {@code /actuator/health} reports the three servers the gateway depends on. */
@CouponGatewayTest
class HealthTests {

	@Autowired
	private WebTestClient http;

	@Test
	void whenAllServersAreUpThenHealthShowsRedisKafkaAndTheDatabase() {
		this.http.get().uri("/actuator/health").exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.status").isEqualTo("UP")
			.jsonPath("$.components.redis.status").isEqualTo("UP")
			.jsonPath("$.components.r2dbc.status").isEqualTo("UP")
			.jsonPath("$.components.kafka.status").isEqualTo("UP")
			.jsonPath("$.components.kafka.details.brokers").isEqualTo(1);
	}

}
