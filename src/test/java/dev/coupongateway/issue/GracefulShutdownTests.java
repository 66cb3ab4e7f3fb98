package dev.coupongateway.issue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance shut down (what SIGTERM triggers) in the middle of a burst of claims, with
 * stock left and claims still coming: every claim it answered with a grant is stored
 * exactly once, and the stock shown afterwards matches the rows.
 */
@CouponGatewayTest
class GracefulShutdownTests {

	private static final Pattern COUPON_ID = Pattern.compile("\"couponId\":\"([0-9a-f-]{36})\"");

	private static final int STOCK = 2_000;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private WebTestClient http;

	@Test
	void whenAnInstanceShutsDownMidBurstThenEveryGrantItAnsweredIsStored() throws Exception {
		String campaign = this.fixtures.campaign(STOCK);
		ConfigurableApplicationContext instance = GatewayInstance.start("coupon.roles=gateway,writer");
		int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		Claims claims = new Claims(port);
		List<Claim> burst = IntStream.range(0, 3 * STOCK).mapToObj((i) -> new Claim(campaign, "sd-" + i)).toList();

		CompletableFuture<List<Answer>> answers = CompletableFuture.supplyAsync(() -> {
			try {
				return claims.concurrentlyTolerant(burst, 32);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) > 0);
		instance.close();

		List<Answer> all = answers.get();
		List<String> granted = all.stream().filter(Answer::granted).map(GracefulShutdownTests::couponId).toList();
		// the stop came in the middle of the work: grants answered, stock left, claims
		// turned away
		assertThat(granted).isNotEmpty().hasSizeLessThan(STOCK);
		assertThat(all).filteredOn((answer) -> answer.status() == 0)
			.as("claims the stopped instance never took")
			.isNotEmpty();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.fixtures.storedCouponIds(campaign)
				.stream()
				.map(Object::toString)
				.toList()
				.containsAll(granted));
		assertThat(this.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
		// every grant the instance made, answered or not, has its row, and the stock
		// shown agrees
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			long rows = this.fixtures.storedRows(campaign);
			this.http.get()
				.uri("/api/campaigns/{id}/stock", campaign)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.issued")
				.isEqualTo(rows)
				.jsonPath("$.remaining")
				.isEqualTo(STOCK - rows);
		});
	}

	private static String couponId(Answer answer) {
		Matcher matcher = COUPON_ID.matcher(answer.body());
		assertThat(matcher.find()).as(answer.body()).isTrue();
		return matcher.group(1);
	}

}
