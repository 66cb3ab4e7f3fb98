package dev.coupongateway.issue;

import java.time.Duration;
import java.util.Map;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka unreachable from this instance: the grant is decided and kept, the claim answers
 * 202 PENDING once the ack timeout passes, and the miss is counted. A retry gets the same
 * coupon, never a second one. When a node that reaches Kafka runs, its outbox relay
 * delivers the grant: exactly one row.
 */
@CouponGatewayTest(properties = { "spring.kafka.bootstrap-servers=127.0.0.1:1", "coupon.kafka.ack-timeout=300ms",
		"coupon.kafka.startup-timeout=1s", "coupon.roles=gateway" })
@DirtiesContext
class KafkaUnavailableTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private Outbox outbox;

	@Test
	void whenKafkaIsDownThenGrantIsKeptAndAnsweredPending() {
		String campaign = this.fixtures.campaign(2);
		double missedBefore = this.meters.counter("coupon.publish.pending").count();

		CouponView pending = this.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", "alice")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(CouponView.class)
			.returnResult()
			.getResponseBody();
		assertThat(pending.state()).isEqualTo(CouponState.PENDING);
		assertThat(this.meters.counter("coupon.publish.pending").count()).isEqualTo(missedBefore + 1);

		this.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", "alice")
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.couponIds[0]")
			.isEqualTo(pending.couponId().toString());
		this.http.get()
			.uri("/api/campaigns/{id}/stock", campaign)
			.exchange()
			.expectBody(Map.class)
			.value((stock) -> assertThat(stock).containsEntry("issued", 1).containsEntry("remaining", 1));
		this.http.get()
			.uri("/api/campaigns/{id}/coupons/mine", campaign)
			.header("X-User-Id", "alice")
			.exchange()
			.expectBody()
			.jsonPath("$.coupons[0].state")
			.isEqualTo("PENDING");
		assertThat(this.fixtures.storedRows(campaign)).isZero();

		try (ConfigurableApplicationContext healthy = GatewayInstance.start("coupon.roles=gateway,writer")) {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> this.fixtures.storedCouponIds(campaign).contains(pending.couponId()));
			assertThat(this.fixtures.storedRows(campaign)).isEqualTo(1);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.outbox.size(CampaignKeys.of(campaign)).block(Duration.ofSeconds(5)) == 0);
		}
	}

}
