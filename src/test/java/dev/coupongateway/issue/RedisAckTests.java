package dev.coupongateway.issue;

import java.time.Duration;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code coupon.issue.ack=redis}: a claim is answered 201 once the script recorded the
 * grant and its outbox entry, without waiting for Kafka, which here is unreachable (and
 * the ack timeout long): the answer comes at once, the entry waits in the outbox for the
 * relay.
 */
@CouponGatewayTest(properties = { "coupon.issue.ack=redis", "spring.kafka.bootstrap-servers=127.0.0.1:1",
		"coupon.kafka.ack-timeout=20s", "coupon.kafka.startup-timeout=1s", "coupon.roles=gateway" })
@DirtiesContext
class RedisAckTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private Outbox outbox;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenTheAckIsRedisThenTheGrantIsAnsweredIssuedWithoutWaitingForKafka() {
		String campaign = this.fixtures.campaign(2);
		// the client gives up after 10 s, well within the 20 s Kafka ack timeout the
		// kafka mode would wait out
		CouponView issued = this.http.mutate()
			.responseTimeout(Duration.ofSeconds(10))
			.build()
			.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", "alice")
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(CouponView.class)
			.returnResult()
			.getResponseBody();
		assertThat(issued.state()).isEqualTo(CouponState.ISSUED);
		assertThat(this.outbox.size(CampaignKeys.of(campaign)).block(Duration.ofSeconds(5))).isEqualTo(1);
		assertThat(this.meters.counter("coupon.publish.pending").count()).isZero();
	}

}
