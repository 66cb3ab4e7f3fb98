package dev.coupongateway.issue;

import java.time.Duration;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Claims do not need PostgreSQL: an instance whose database does not answer, and that
 * never read the campaign from it, takes the campaign's settings (its bucket count above
 * all) from Redis and grants, in the user's own bucket of a split campaign too.
 */
@CouponGatewayTest
class ClaimWithoutDatabaseTests {

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private Environment environment;

	@Test
	void whenTheDatabaseDoesNotAnswerThenAnInstanceThatNeverReadTheCampaignStillGrants() {
		String campaign = this.fixtures.bucketed(Fixtures.uniqueId("nodb"), 10, 3);
		String r2dbc = this.environment.getProperty("spring.r2dbc.url");
		// migrations run against the real database at startup; the app's own connections
		// go nowhere
		try (ConfigurableApplicationContext blind = GatewayInstance.start("coupon.roles=gateway",
				"spring.flyway.url=" + r2dbc.replaceFirst("^r2dbc:", "jdbc:"),
				"spring.flyway.user=" + this.environment.getProperty("spring.r2dbc.username"),
				"spring.flyway.password=" + this.environment.getProperty("spring.r2dbc.password"),
				"spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:1/nowhere")) {
			WebTestClient http = WebTestClient.bindToServer()
				.baseUrl("http://127.0.0.1:" + ((WebServerApplicationContext) blind).getWebServer().getPort())
				.responseTimeout(Duration.ofSeconds(30))
				.build();
			for (String user : new String[] { "ann", "ben", "cat", "dan" }) {
				http.post()
					.uri("/api/campaigns/{id}/coupons", campaign)
					.header("X-User-Id", user)
					.exchange()
					.expectStatus()
					.isCreated();
			}
			// and the user's limit is checked in the user's bucket, as any other instance
			// checks it
			String again = http.post()
				.uri("/api/campaigns/{id}/coupons", campaign)
				.header("X-User-Id", "ann")
				.exchange()
				.expectStatus()
				.isEqualTo(409)
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(again).contains("ALREADY_ISSUED");
		}
	}

}
