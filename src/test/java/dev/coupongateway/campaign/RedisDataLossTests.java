package dev.coupongateway.campaign;

import java.time.Duration;

import dev.coupongateway.GatewayOnOwnRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.reactive.server.EntityExchangeResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis restarted with its data gone (no AOF): the campaign is rebuilt from PostgreSQL
 * before it grants again; meanwhile claims answer 503 with Retry-After, never a wrong
 * answer, and the cap holds. The gateway runs on a Redis of its own, really stopped and
 * started again, in either dev-services mode.
 */
class RedisDataLossTests {

	private static GatewayOnOwnRedis gateway;

	@BeforeAll
	static void start() {
		gateway = new GatewayOnOwnRedis();
	}

	@AfterAll
	static void stop() {
		gateway.close();
	}

	@Test
	void whenRedisRestartsEmptyThenTheCampaignIsRebuiltAndTheCapHolds() {
		String campaign = gateway.fixtures.campaign(5);
		String aliceCoupon = granted(campaign, "alice");
		granted(campaign, "bob");
		granted(campaign, "carol");
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 3);

		gateway.redis.stop();
		gateway.redis.start();

		EntityExchangeResult<String> retry = untilNot503(campaign, "alice");
		assertThat(retry.getStatus().value()).isEqualTo(409);
		assertThat(retry.getResponseBody()).contains(aliceCoupon);
		assertThat(untilNot503(campaign, "dave").getStatus().value()).isEqualTo(201);
		assertThat(untilNot503(campaign, "erin").getStatus().value()).isEqualTo(201);
		assertThat(untilNot503(campaign, "frank").getStatus().value()).isEqualTo(410);
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 5);
		assertThat(gateway.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
	}

	private String granted(String campaign, String user) {
		EntityExchangeResult<String> result = claim(campaign, user);
		assertThat(result.getStatus().value()).isEqualTo(201);
		return result.getResponseBody().replaceAll(".*\"couponId\":\"([^\"]+)\".*", "$1");
	}

	/** Claims until the answer is not 503; each 503 must say when to retry. */
	private EntityExchangeResult<String> untilNot503(String campaign, String user) {
		EntityExchangeResult<String>[] last = new EntityExchangeResult[1];
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
			last[0] = claim(campaign, user);
			if (last[0].getStatus().value() == 503) {
				assertThat(last[0].getResponseHeaders().getFirst("Retry-After")).isNotNull();
				return false;
			}
			return true;
		});
		return last[0];
	}

	private EntityExchangeResult<String> claim(String campaign, String user) {
		return gateway.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", user)
			.exchange()
			.expectBody(String.class)
			.returnResult();
	}

}
