package dev.coupongateway.system;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code /actuator/health}: the three servers the gateway depends on, shown to the
 * operator (the admin token) and to nobody else; anyone sees the status. Liveness and
 * readiness groups for a load balancer.
 */
@CouponGatewayTest
class HealthTests {

	@Autowired
	private WebTestClient http;

	@Test
	void whenAllServersAreUpThenTheOperatorSeesRedisKafkaAndTheDatabase() {
		this.http.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components.redis.status")
			.isEqualTo("UP")
			.jsonPath("$.components.r2dbc.status")
			.isEqualTo("UP")
			.jsonPath("$.components.kafka.status")
			.isEqualTo("UP")
			.jsonPath("$.components.kafka.details.brokers")
			.isEqualTo(1);
	}

	@Test
	void whenAnyoneAsksThenHealthIsTheStatusAlone() {
		this.http.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components")
			.doesNotExist()
			.jsonPath("$.details")
			.doesNotExist();
		// a wrong token is no operator
		this.http.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBearerAuth("not-the-admin-token"))
			.exchange()
			.expectBody()
			.jsonPath("$.components")
			.doesNotExist();
	}

	@Test
	void whenAllServersAreUpThenLivenessAndReadinessAreUpWithWhatAClaimNeeds() {
		this.http.get()
			.uri("/actuator/health/liveness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components")
			.doesNotExist();
		this.http.get()
			.uri("/actuator/health/readiness")
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components.readinessState.status")
			.isEqualTo("UP")
			.jsonPath("$.components.redis.status")
			.isEqualTo("UP")
			.jsonPath("$.components.kafka")
			.doesNotExist();
	}

}
