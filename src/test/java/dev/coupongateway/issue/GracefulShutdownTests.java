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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance shut down (what SIGTERM triggers) in the middle of a burst of claims: every claim it
 * answered with a grant is stored exactly once, and the stock shown afterwards matches the rows.
 */
@CouponGatewayTest
class GracefulShutdownTests {

	private static final Pattern COUPON_ID = Pattern.compile("\"couponId\":\"([0-9a-f-]{36})\"");

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenAnInstanceShutsDownMidBurstThenEveryGrantItAnsweredIsStored() throws Exception {
		String campaign = this.fixtures.campaign(300);
		ConfigurableApplicationContext instance = GatewayInstance.start("coupon.roles=gateway,writer");
		int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		Claims claims = new Claims(port);
		List<Claim> burst = IntStream.range(0, 600).mapToObj((i) -> new Claim(campaign, "sd-" + i)).toList();

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
		assertThat(granted).isNotEmpty().hasSizeLessThanOrEqualTo(300);
		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.fixtures.storedCouponIds(campaign).stream().map(Object::toString).toList()
				.containsAll(granted));
		assertThat(this.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
		assertThat(this.fixtures.storedRows(campaign)).isLessThanOrEqualTo(300);
	}

	private static String couponId(Answer answer) {
		Matcher matcher = COUPON_ID.matcher(answer.body());
		assertThat(matcher.find()).as(answer.body()).isTrue();
		return matcher.group(1);
	}

}
