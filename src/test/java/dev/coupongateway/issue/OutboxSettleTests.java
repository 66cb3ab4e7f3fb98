package dev.coupongateway.issue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.Claims;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acknowledged grants leave the outbox in batches, off the answer's path: every entry is
 * settled without the relay re-sending it, in far fewer {@code XDEL} commands than
 * grants.
 */
@CouponGatewayTest
class OutboxSettleTests {

	private static final int GRANTS = 400;

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private Outbox outbox;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenManyGrantsAreAcknowledgedThenTheirEntriesAreSettledInBatchesWithoutTheRelay() throws Exception {
		Claims http = new Claims(this.port);
		// a first round warms the claim path up, so the measured grants come at a spike's
		// pace
		http.concurrently(claims(this.fixtures.campaign(GRANTS), GRANTS), 32);
		String campaign = this.fixtures.campaign(GRANTS);
		double resentBefore = this.meters.counter("coupon.relay.resent").count();
		long deletesBefore = xdelCalls();

		List<Claims.Answer> answers = http.concurrently(claims(campaign, GRANTS), 32);

		assertThat(answers).allSatisfy((answer) -> assertThat(answer.status()).isEqualTo(201));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.outbox.size(CampaignKeys.of(campaign)).block(Duration.ofSeconds(5)) == 0);
		assertThat(this.meters.counter("coupon.relay.resent").count() - resentBefore)
			.as("entries the relay had to re-send")
			.isZero();
		assertThat(xdelCalls() - deletesBefore).as("XDEL commands for %d grants", GRANTS).isLessThan(GRANTS / 2);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == GRANTS);
	}

	private static List<Claims.Claim> claims(String campaign, int users) {
		List<Claims.Claim> claims = new ArrayList<>();
		for (int i = 0; i < users; i++) {
			claims.add(new Claims.Claim(campaign, "settle-" + i));
		}
		return claims;
	}

	private long xdelCalls() {
		Properties stats = this.redis.execute((connection) -> connection.serverCommands().info("commandstats"))
			.next()
			.block(Duration.ofSeconds(5));
		String xdel = stats.getProperty("cmdstat_xdel", "calls=0,");
		return Long.parseLong(xdel.replaceAll("^calls=(\\d+),.*$", "$1"));
	}

}
