package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.GatewayOnOwnRedis;
import dev.coupongateway.RestartableRedis;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis brought back behind PostgreSQL (an RDB or AOF older than what the writer already
 * stored, as a host crash leaves it): whichever instance asks, a new one that never saw
 * the restart included, the campaign grants nothing until it was checked against
 * PostgreSQL, and then only what is really left. Every 201/202 has its row; nothing is
 * refused into {@code coupon_conflict}.
 */
class RedisBehindPostgresTests {

	private static final int STOCK = 30;

	@Test
	void whenTheFleetIsRestartedAfterRedisCameBackBehindThenNewInstancesGrantOnlyWhatIsLeft() throws Exception {
		RestartableRedis redis = new RestartableRedis().start();
		try (redis) {
			String campaign;
			byte[] older;
			List<String> granted = new ArrayList<>();
			try (GatewayOnOwnRedis first = new GatewayOnOwnRedis(redis)) {
				campaign = first.fixtures.campaign(STOCK);
				granted.addAll(grant(first, campaign, "early", 10));
				older = redis.snapshot();
				granted.addAll(grant(first, campaign, "later", 10));
				await().atMost(Duration.ofSeconds(30)).until(() -> first.fixtures.storedRows(campaign) == 20);
			}
			// the fleet is down; Redis comes back from the snapshot taken after 10 of the
			// 20 stored grants
			redis.restartFrom(older);
			try (GatewayOnOwnRedis fresh = new GatewayOnOwnRedis(redis)) {
				List<Answer> answers = claimUntilDecided(fresh, campaign, users("new", 20));
				assertThat(answers).filteredOn(Answer::granted).hasSize(STOCK - 20);
				assertThat(answers).filteredOn((answer) -> !answer.granted())
					.extracting(Answer::status)
					.containsOnly(410);
				answers.stream().filter(Answer::granted).map(RedisBehindPostgresTests::couponId).forEach(granted::add);
				// a user granted after the snapshot still holds the coupon, and gets no
				// second one
				assertThat(claimUntilDecided(fresh, campaign, List.of("later-3")).get(0).status()).isEqualTo(409);
				assertEveryGrantStoredOnce(fresh, campaign, granted);
			}
		}
	}

	@Test
	void whenRedisComesBackBehindUnderARunningInstanceThenItGrantsOnlyWhatIsLeft() throws Exception {
		try (GatewayOnOwnRedis gateway = new GatewayOnOwnRedis("coupon.rebuild.check-interval=500ms")) {
			String campaign = gateway.fixtures.campaign(STOCK);
			List<String> granted = new ArrayList<>(grant(gateway, campaign, "early", 10));
			byte[] older = gateway.redis.snapshot();
			granted.addAll(grant(gateway, campaign, "later", 10));
			await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 20);

			gateway.redis.restartFrom(older);
			// checked in the background, before any claim asks (the fence names the new
			// server)
			await().atMost(Duration.ofSeconds(30)).until(() -> checkedOnThisServer(gateway, campaign));

			List<Answer> answers = claimUntilDecided(gateway, campaign, users("new", 20));
			assertThat(answers).filteredOn(Answer::granted).hasSize(STOCK - 20);
			answers.stream().filter(Answer::granted).map(RedisBehindPostgresTests::couponId).forEach(granted::add);
			assertEveryGrantStoredOnce(gateway, campaign, granted);
		}
	}

	private static boolean checkedOnThisServer(GatewayOnOwnRedis gateway, String campaign) {
		var redis = gateway.context.getBean(ReactiveStringRedisTemplate.class);
		String runId = redis.execute((connection) -> connection.serverCommands().info("server"))
			.next()
			.map((info) -> info.getProperty("run_id"))
			.block(Duration.ofSeconds(5));
		Object verified = redis.opsForHash()
			.get(CampaignKeys.of(campaign).settings(), "verified")
			.block(Duration.ofSeconds(5));
		return runId.equals(verified);
	}

	/** Grants {@code count} users at once; every one must be a 201. */
	private static List<String> grant(GatewayOnOwnRedis gateway, String campaign, String prefix, int count)
			throws Exception {
		List<Answer> answers = new Claims(gateway.port)
			.concurrently(users(prefix, count).stream().map((user) -> new Claims.Claim(campaign, user)).toList(), 8);
		assertThat(answers).extracting(Answer::status).containsOnly(201);
		return answers.stream().map(RedisBehindPostgresTests::couponId).toList();
	}

	/**
	 * Each user claims at once with the others, and again after each 503 (which must say
	 * when), until decided.
	 */
	private static List<Answer> claimUntilDecided(GatewayOnOwnRedis gateway, String campaign, List<String> users)
			throws Exception {
		Claims claims = new Claims(gateway.port);
		List<Answer> answers = Claims.allAtOnce(users, 8,
				(user) -> claims.untilDecided(campaign, user, Duration.ofSeconds(60)));
		assertThat(answers).extracting(Answer::status).as("decided within 60 s").doesNotContain(503);
		return answers;
	}

	private static void assertEveryGrantStoredOnce(GatewayOnOwnRedis gateway, String campaign, List<String> granted) {
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(gateway.fixtures.storedCouponIds(campaign)).map(UUID::toString)
				.containsExactlyInAnyOrderElementsOf(granted));
		assertThat(gateway.fixtures.storedRows(campaign)).isEqualTo(STOCK);
		assertThat(gateway.fixtures.conflicts(campaign)).as("grants PostgreSQL refused (answered, never stored)")
			.isZero();
	}

	private static List<String> users(String prefix, int count) {
		return IntStream.range(0, count).mapToObj((i) -> prefix + "-" + i).toList();
	}

	private static String couponId(Answer answer) {
		return answer.body().replaceAll(".*\"couponId\":\"([^\"]+)\".*", "$1");
	}

}
