package dev.coupongateway.issue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limits on claims over HTTP, on two instances sharing one Redis: per user and per
 * client address, shared by both instances; a limited claim is a 429 with
 * {@code Retry-After} that granted nothing; the client address comes from a forwarded
 * header only where the instance is told to trust it.
 */
class RateLimitTests {

	/**
	 * A minute between claims: what the test sees does not depend on how fast this
	 * machine is.
	 */
	private static final String[] LIMITS = { "coupon.limits.user-interval=60s", "coupon.limits.user-burst=2",
			"coupon.limits.address-interval=60s", "coupon.limits.address-burst=9", "coupon.roles=gateway" };

	private static ConfigurableApplicationContext trusting;

	private static ConfigurableApplicationContext plain;

	private final HttpClient client = HttpClient.newHttpClient();

	@BeforeAll
	static void start() {
		List<String> settings = new ArrayList<>(List.of(LIMITS));
		plain = GatewayInstance.start(settings.toArray(String[]::new));
		settings.add("coupon.edge.trusted-proxies=127.0.0.1,::1");
		trusting = GatewayInstance.start(settings.toArray(String[]::new));
	}

	@AfterAll
	static void stop() {
		trusting.close();
		plain.close();
	}

	@Test
	void whenAUserClaimsFasterThanTheRateOnEitherInstanceThenTheRestIs429AndGrantsNothing() throws Exception {
		String campaign = campaign(100, 10);
		List<Answer> answers = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			// alternate instances: the limit is kept in Redis, not per instance; distinct
			// addresses stay under theirs
			answers.add(claim((i % 2 == 0) ? trusting : plain, campaign, "eager", "198.51.100." + i));
		}
		assertThat(answers.stream().filter((a) -> a.status == 201)).as("one a minute, burst 2").hasSize(3);
		List<Answer> limited = answers.stream().filter((a) -> a.status == 429).toList();
		assertThat(limited).hasSize(5).allSatisfy((answer) -> {
			assertThat(answer.body).contains("\"code\":\"RATE_LIMITED\"");
			assertThat(Long.parseLong(answer.retryAfter)).isBetween(1L, 60L);
		});
		assertThat(claim(trusting, campaign, "patient", "198.51.100.200").status).isEqualTo(201);
		assertThat(issued(campaign)).isEqualTo(4);
	}

	@Test
	void whenOneAddressClaimsForManyUsersThenItIsLimitedUnlessAForwardedAddressIsTrusted() throws Exception {
		String campaign = campaign(100, 1);
		int granted = 0;
		for (int i = 0; i < 20; i++) {
			// the forwarded header is ignored by an instance that does not trust it: all
			// of these come from 127.0.0.1
			granted += (claim(plain, campaign, "bot-" + i, "203.0.113." + i).status == 201) ? 1 : 0;
		}
		assertThat(granted).as("one a minute, burst 9").isEqualTo(10);
		int forwarded = 0;
		for (int i = 0; i < 20; i++) {
			forwarded += (claim(trusting, campaign, "shop-" + i, "192.0.2." + i).status == 201) ? 1 : 0;
		}
		assertThat(forwarded).as("each named by a trusted proxy as a different client").isEqualTo(20);
		assertThat(issued(campaign)).isEqualTo(30);
	}

	private Answer claim(ConfigurableApplicationContext instance, String campaign, String user, String forwardedFor)
			throws Exception {
		HttpResponse<String> response = this.client
			.send(HttpRequest.newBuilder(base(instance).resolve("/api/campaigns/" + campaign + "/coupons"))
				.header("X-User-Id", user)
				.header("X-Forwarded-For", forwardedFor)
				.timeout(Duration.ofSeconds(20))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
		return new Answer(response.statusCode(), response.body(),
				response.headers().firstValue("Retry-After").orElse(null));
	}

	private String campaign(int stock, int perUser) throws Exception {
		String id = Fixtures.uniqueId("limits");
		HttpResponse<String> created = this.client
			.send(HttpRequest.newBuilder(base(plain).resolve("/api/admin/campaigns"))
				.header("Authorization", "Bearer " + DevServices.ADMIN_TOKEN)
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(20))
				.POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"name\":\"Limits\",\"totalStock\":"
						+ stock + ",\"perUserLimit\":" + perUser + "}"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(created.statusCode()).isEqualTo(201);
		return id;
	}

	private long issued(String campaign) throws Exception {
		String body = this.client
			.send(HttpRequest.newBuilder(base(plain).resolve("/api/campaigns/" + campaign + "/stock"))
				.timeout(Duration.ofSeconds(5))
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
		return Long.parseLong(body.replaceAll(".*\"issued\":(\\d+).*", "$1"));
	}

	private static URI base(ConfigurableApplicationContext instance) {
		return URI.create("http://127.0.0.1:" + ((WebServerApplicationContext) instance).getWebServer().getPort());
	}

	private record Answer(int status, String body, String retryAfter) {
	}

}
