package dev.coupongateway.issue;

import java.time.Duration;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Redis unreachable (nothing listens on its port): claims answer 503 UNAVAILABLE with
 * Retry-After at once, and nothing is granted. The client's 30 s response timeout catches
 * a hang.
 */
@CouponGatewayTest(properties = { "spring.data.redis.url=redis://127.0.0.1:1", "coupon.roles=gateway" })
@DirtiesContext
class RedisUnavailableTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private DatabaseClient db;

	@Test
	void whenRedisIsDownThenClaimsAnswerUnavailableWithRetryAfter() {
		// a campaign PostgreSQL knows (created while Redis was up, say)
		String campaign = Fixtures.uniqueId("down");
		this.db.sql("INSERT INTO campaign (id, name, total_stock) VALUES (:id, 'down', 10)")
			.bind("id", campaign)
			.then()
			.block(Duration.ofSeconds(10));
		for (int i = 0; i < 3; i++) {
			this.http.post()
				.uri("/api/campaigns/{id}/coupons", campaign)
				.header("X-User-Id", "alice")
				.exchange()
				.expectStatus()
				.isEqualTo(503)
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectHeader()
				.exists("Retry-After")
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("UNAVAILABLE")
				.jsonPath("$.trace")
				.doesNotExist();
		}
	}

	@Test
	void whenRedisIsDownThenHealthIsDown() {
		this.http.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.components.redis.status")
			.isEqualTo("DOWN");
	}

	@Test
	void whenRedisIsDownThenTheGatewayIsNotReadyButAlive() {
		// no claim can be decided without Redis: the load balancer should send them
		// elsewhere
		this.http.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("DOWN");
		// a restart would not bring Redis back
		this.http.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
	}

}
