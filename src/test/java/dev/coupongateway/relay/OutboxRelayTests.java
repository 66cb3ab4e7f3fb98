package dev.coupongateway.relay;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.issue.Outbox;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The relay on the real servers: what it delivers, and which campaigns it keeps looking
 * at.
 */
@CouponGatewayTest
class OutboxRelayTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private Outbox outbox;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Test
	void whenAGrantWasNeverSentThenTheRelaySendsItAndSettlesIt() {
		String campaign = this.fixtures.campaign(5);
		UUID couponId = UUID.randomUUID();
		// what an instance leaves behind when it dies between the script and the send
		this.redis.opsForStream()
			.add(CampaignKeys.of(campaign).outbox(),
					Map.of("c", couponId.toString(), "u", "ghost", "s", "1", "l", "1", "t",
							Long.toString(System.currentTimeMillis() - 60_000)))
			.block(Duration.ofSeconds(5));
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedCouponIds(campaign).contains(couponId));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.outbox.size(CampaignKeys.of(campaign)).block() == 0);
	}

	@Test
	void whenACampaignIsSoldOutAndItsOutboxEmptyThenTheRelayStopsLookingAtIt() {
		String soldOut = this.fixtures.campaign(1);
		String open = this.fixtures.campaign(5);
		this.http.post().uri(Paths.COUPONS, soldOut).header("X-User-Id", "only").exchange().expectStatus().isCreated();
		await().atMost(Duration.ofSeconds(10)).until(() -> !isWatched(soldOut));
		assertThat(isWatched(open)).isTrue();
	}

	private boolean isWatched(String campaign) {
		return this.redis.opsForSet().isMember(CampaignKeys.ALL_CAMPAIGNS, campaign).block(Duration.ofSeconds(5));
	}

}
