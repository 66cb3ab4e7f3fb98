package dev.coupongateway.issue;

import java.time.Duration;
import java.util.Properties;

import dev.coupongateway.GatewayInstance;
import dev.coupongateway.GatewayOnOwnRedis;
import dev.coupongateway.campaign.CampaignKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "Sold out" and "at the limit" answered from memory, across two instances on one Redis:
 * once Redis said so, the same answer comes without running the script; a rebuild that
 * gives lost numbers back to the stock makes both instances forget, so no buyer who
 * should win is turned away.
 */
class ClaimFactsTests {

	private static GatewayOnOwnRedis a;

	private static ConfigurableApplicationContext b;

	private static WebTestClient httpB;

	@BeforeAll
	static void start() {
		a = new GatewayOnOwnRedis("coupon.issue.facts-ttl=1h");
		b = GatewayInstance.start("spring.data.redis.url=" + a.redis.url(), "coupon.issue.facts-ttl=1h");
		httpB = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + ((WebServerApplicationContext) b).getWebServer().getPort())
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	@AfterAll
	static void stop() {
		b.close();
		a.close();
	}

	@Test
	void whenRedisSaidSoldOutOrAtTheLimitThenBothInstancesAnswerWithoutTheScript() {
		String campaign = a.fixtures.campaign(2);
		assertThat(claim(a.http, campaign, "u1")).isEqualTo(201);
		assertThat(claim(httpB, campaign, "u2")).isEqualTo(201);
		// each instance learns the facts from Redis once (the holders of a sold-out
		// campaign are read after)
		assertThat(claim(a.http, campaign, "u3")).isEqualTo(410);
		assertThat(claim(httpB, campaign, "u3")).isEqualTo(410);
		assertThat(claim(a.http, campaign, "u1")).isEqualTo(409);
		assertThat(claim(httpB, campaign, "u1")).isEqualTo(409);
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			long before = scriptCalls();
			claim(a.http, campaign, "probe-a");
			claim(httpB, campaign, "probe-b");
			return scriptCalls() == before;
		});

		// EVALSHA is counted server-wide: a script of another test context's background
		// task (a relay lease, a sweep) may land in the window, so the window is tried
		// again; answers taken from Redis would add scripts every time
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			long scripts = scriptCalls();
			for (int i = 0; i < 10; i++) {
				assertThat(claim(a.http, campaign, "late-" + i)).isEqualTo(410);
				assertThat(claim(httpB, campaign, "late-" + i)).isEqualTo(410);
			}
			String again = claimBody(httpB, campaign, "u1");
			assertThat(again).contains("\"code\":\"ALREADY_ISSUED\"").contains("couponIds");
			assertThat(claim(a.http, campaign, "u1")).isEqualTo(409);
			assertThat(scriptCalls()).as("scripts run for answers both instances knew").isEqualTo(scripts);
		});
		// a winner the sold-out instance has not seen yet still gets its coupon back,
		// from Redis
		assertThat(claimBody(a.http, campaign, "u2")).contains("\"code\":\"ALREADY_ISSUED\"");
	}

	@Test
	void whenARebuildGivesNumbersBackThenNeitherInstanceSaysSoldOut() {
		String campaign = a.fixtures.campaign(2);
		assertThat(claim(a.http, campaign, "v1")).isEqualTo(201);
		assertThat(claim(httpB, campaign, "v2")).isEqualTo(201);
		await().atMost(Duration.ofSeconds(30)).until(() -> a.fixtures.storedRows(campaign) == 2);
		assertThat(claim(a.http, campaign, "v3")).isEqualTo(410);
		assertThat(claim(httpB, campaign, "v3")).isEqualTo(410);
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			long before = scriptCalls();
			claim(a.http, campaign, "w-a");
			claim(httpB, campaign, "w-b");
			return scriptCalls() == before;
		});

		// v2's grant is lost (its row gone, Redis flushed without a restart): a rebuild
		// gives its number back
		a.context.getBean(DatabaseClient.class)
			.sql("DELETE FROM coupon WHERE campaign_id = :c AND user_id = 'v2'")
			.bind("c", campaign)
			.then()
			.block(Duration.ofSeconds(10));
		CampaignKeys keys = CampaignKeys.of(campaign);
		redis().delete(keys.settings(), keys.grants(), keys.outbox(), keys.free()).block(Duration.ofSeconds(5));
		// any read of the campaign on instance A finds its state gone and has it checked
		// (503 meanwhile)
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> a.http.get()
				.uri("/api/campaigns/{id}/stock", campaign)
				.exchange()
				.returnResult(String.class)
				.getStatus()
				.value() == 200);
		a.http.get()
			.uri("/api/campaigns/{id}/stock", campaign)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.remaining")
			.isEqualTo(1);

		await().atMost(Duration.ofSeconds(10)).until(() -> claim(httpB, campaign, "v4") != 410);
		assertThat(claim(a.http, campaign, "v5")).isEqualTo(410);
		await().atMost(Duration.ofSeconds(30)).until(() -> a.fixtures.storedRows(campaign) == 2);
	}

	private static ReactiveStringRedisTemplate redis() {
		return a.context.getBean(ReactiveStringRedisTemplate.class);
	}

	private static long scriptCalls() {
		Properties stats = redis().execute((connection) -> connection.serverCommands().info("commandstats"))
			.next()
			.block(Duration.ofSeconds(5));
		String evalsha = stats.getProperty("cmdstat_evalsha", "calls=0,");
		return Long.parseLong(evalsha.replaceAll("^calls=(\\d+),.*$", "$1"));
	}

	private static int claim(WebTestClient http, String campaign, String user) {
		return http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", user)
			.exchange()
			.returnResult(String.class)
			.getStatus()
			.value();
	}

	private static String claimBody(WebTestClient http, String campaign, String user) {
		return http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", user)
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

}
