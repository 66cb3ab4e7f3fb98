package dev.coupongateway.issue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Overload without lies. Redis is paused (CLIENT PAUSE) for longer than the claim timeout
 * as a 64-wide burst starts, so the claims in flight time out although Redis runs their
 * scripts once it resumes; and only 8 claims may be in flight, so much of the burst is
 * shed. Still: every user Redis granted was answered as a grant, and every 503 changed
 * nothing.
 */
@CouponGatewayTest(properties = { "coupon.redis.timeout=100ms", "coupon.issue.max-in-flight=8" })
class OverloadTests {

	private static final int STOCK = 300;

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenAnswersAreLostOrClaimsShedThenEveryGrantIsAnsweredAsOneAndEvery503ChangedNothing() throws Exception {
		String campaign = this.fixtures.campaign(STOCK);
		List<Claim> burst = IntStream.range(0, 2 * STOCK).mapToObj((i) -> new Claim(campaign, "o-" + i)).toList();

		RedisClient client = RedisClient.create((String) DevServices.properties().get("spring.data.redis.url"));
		List<Answer> answers;
		try (StatefulRedisConnection<String, String> admin = client.connect()) {
			admin.sync().clientPause(500);
			answers = new Claims(this.port).concurrently(burst, 64);
		}
		finally {
			client.shutdown();
		}

		Map<Integer, List<Answer>> byStatus = answers.stream().collect(Collectors.groupingBy(Answer::status));
		assertThat(byStatus.keySet()).isSubsetOf(201, 202, 410, 503);
		Set<String> holders = this.redis.<String, String>opsForHash()
			.keys(CampaignKeys.of(campaign).grants())
			.collect(Collectors.toSet())
			.block(Duration.ofSeconds(5));
		Set<String> answeredGrants = answers.stream()
			.filter(Answer::granted)
			.map(Answer::userId)
			.collect(Collectors.toSet());
		assertThat(answeredGrants).as("users answered 201/202 are exactly the users Redis granted").isEqualTo(holders);
		assertThat(byStatus.getOrDefault(503, List.of())).as("503s, each with Retry-After and nothing granted")
			.isNotEmpty()
			.allSatisfy((answer) -> {
				assertThat(holders).doesNotContain(answer.userId());
				assertThat(answer.retryAfter()).isEqualTo("1");
				assertThat(answer.body()).contains("\"code\":\"UNAVAILABLE\"");
			});
		assertThat(this.meters.counter("coupon.claims.recovered").count()).as("grants whose script answer was lost")
			.isPositive();
		assertThat(this.meters.counter("coupon.claims.shed").count()).as("claims shed before the script").isPositive();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == holders.size());
	}

}
