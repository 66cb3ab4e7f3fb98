package dev.coupongateway.issue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

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
 * Which address the per-address rate limit counts, over HTTP on the real servers: the
 * connection's peer, unless that peer is a configured trusted proxy
 * ({@code coupon.edge.trusted-proxies}); then the right-most hop of
 * {@code X-Forwarded-For} (or {@code Forwarded}) that is not a trusted proxy. Whatever a
 * client writes into those headers itself never moves it to another address: no dodging
 * its own limit, no getting a victim's address limited. Every test sends 20 claims from
 * distinct users; the limit lets 10 through per address (burst 9 plus one), so 10 granted
 * means "one address", 20 means "twenty".
 */
class ClientAddressTests {

	private static final String[] LIMITS = { "coupon.limits.address-interval=60s", "coupon.limits.address-burst=9",
			"coupon.roles=gateway" };

	/**
	 * As docker/compose.yaml ran the gateways: Boot's forwarded-header support on, no
	 * trusted proxy named.
	 */
	private static ConfigurableApplicationContext asComposeRanIt;

	/** The test client on loopback plays the proxy in front. */
	private static ConfigurableApplicationContext behindProxy;

	private final HttpClient client = HttpClient.newHttpClient();

	@BeforeAll
	static void start() {
		List<String> settings = new ArrayList<>(List.of(LIMITS));
		settings.add("server.forward-headers-strategy=native");
		asComposeRanIt = GatewayInstance.start(settings.toArray(String[]::new));
		settings = new ArrayList<>(List.of(LIMITS));
		settings.add("coupon.edge.trusted-proxies=127.0.0.1,::1");
		behindProxy = GatewayInstance.start(settings.toArray(String[]::new));
	}

	@AfterAll
	static void stop() {
		behindProxy.close();
		asComposeRanIt.close();
	}

	@Test
	void whenNoProxyIsTrustedThenAClientsForwardedHeaderDoesNotChangeItsAddress() throws Exception {
		assertThat(granted(asComposeRanIt, (i) -> Map.of("Forwarded", "for=203.0.113." + i)))
			.as("Forwarded from a client: all of them still 127.0.0.1")
			.isEqualTo(10);
		assertThat(granted(asComposeRanIt, (i) -> Map.of("Forwarded", "for=\"[2001:db8::" + (i + 1) + "]:4711\"")))
			.isEqualTo(10);
		assertThat(granted(asComposeRanIt, (i) -> Map.of("X-Forwarded-For", "203.0.113." + i)))
			.as("X-Forwarded-For from a client: all of them still 127.0.0.1")
			.isEqualTo(10);
	}

	@Test
	void whenNoProxyIsTrustedThenAClientCannotSpendAVictimsAddress() throws Exception {
		String campaign = campaign();
		// mallory, on loopback, claims in the victim's name until the victim's address
		// would be spent
		for (int i = 0; i < 10; i++) {
			claim(asComposeRanIt, campaign, "mallory-" + i, Map.of("Forwarded", "for=198.51.100.9"));
		}
		// they were counted against mallory's own address
		assertThat(claim(asComposeRanIt, campaign, "mallory-again", Map.of())).isEqualTo(429);
		// and the victim, named by the trusted proxy, still has its whole burst
		int victim = 0;
		for (int i = 0; i < 10; i++) {
			victim += (claim(behindProxy, campaign, "victim-" + i, Map.of("X-Forwarded-For", "198.51.100.9")) == 201)
					? 1 : 0;
		}
		assertThat(victim).isEqualTo(10);
	}

	@Test
	void whenATrustedProxyNamesTheClientThenThatAddressIsLimited() throws Exception {
		assertThat(granted(behindProxy, (i) -> Map.of("X-Forwarded-For", "192.0.2." + i)))
			.as("each named by the proxy as a different client")
			.isEqualTo(20);
		assertThat(
				granted(behindProxy, (i) -> Map.of("Forwarded", "for=\"[2001:db8::" + (i + 1) + "]:4711\";proto=http")))
			.as("RFC 7239 alone names the client too")
			.isEqualTo(20);
		assertThat(granted(behindProxy, (i) -> Map.of("X-Forwarded-For", "192.0.2.77")))
			.as("one client behind the proxy")
			.isEqualTo(10);
	}

	@Test
	void whenAClientWritesItsOwnHopsThroughATrustedProxyThenTheRightMostUntrustedHopCounts() throws Exception {
		// a proxy that appends: whatever the client put first, the proxy's own entry is
		// the last
		assertOneAddress((i) -> Map.of("X-Forwarded-For", "203.0.113." + i + ", 198.51.100.7"));
		// a proxy that overwrites X-Forwarded-For and passes the client's Forwarded on
		// (nginx before): the
		// proxy's header wins
		assertOneAddress((i) -> Map.of("X-Forwarded-For", "198.51.100.8", "Forwarded", "for=203.0.113." + i));
		// trusted hops are skipped
		assertOneAddress((i) -> Map.of("X-Forwarded-For", "198.51.100.6, 127.0.0.1"));
		// a hop that is no address at all is no way around the limit: the proxy's own
		// address counts
		assertOneAddress((i) -> Map.of("X-Forwarded-For", "client-" + i));
	}

	/**
	 * Twenty claims through the trusted proxy, request {@code i} with {@code headers(i)},
	 * count as one address; a client the proxy names plainly still gets its own limit (so
	 * it was not the proxy's address that ran out, unless the headers named nothing
	 * usable).
	 */
	private void assertOneAddress(IntFunction<Map<String, String>> headers) throws Exception {
		String campaign = campaign();
		assertThat(granted(behindProxy, campaign, headers)).isEqualTo(10);
		assertThat(claim(behindProxy, campaign, "someone-else", Map.of("X-Forwarded-For", "192.0.2.250")))
			.isEqualTo(201);
	}

	private int granted(ConfigurableApplicationContext instance, IntFunction<Map<String, String>> headers)
			throws Exception {
		return granted(instance, campaign(), headers);
	}

	/**
	 * Claims of the campaign by 20 users, request {@code i} with {@code headers(i)}; how
	 * many were 201.
	 */
	private int granted(ConfigurableApplicationContext instance, String campaign,
			IntFunction<Map<String, String>> headers) throws Exception {
		int granted = 0;
		for (int i = 0; i < 20; i++) {
			granted += (claim(instance, campaign, "user-" + i, headers.apply(i)) == 201) ? 1 : 0;
		}
		return granted;
	}

	private int claim(ConfigurableApplicationContext instance, String campaign, String user,
			Map<String, String> headers) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(base(instance).resolve("/api/campaigns/" + campaign + "/coupons"))
			.header("X-User-Id", user)
			.timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers.noBody());
		headers.forEach(request::header);
		int status = this.client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
		assertThat(status).as("granted or limited, nothing else").isIn(201, 429);
		return status;
	}

	private String campaign() throws Exception {
		String id = Fixtures.uniqueId("address");
		HttpResponse<String> created = this.client
			.send(HttpRequest.newBuilder(base(behindProxy).resolve("/api/admin/campaigns"))
				.header("Authorization", "Bearer " + DevServices.ADMIN_TOKEN)
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(20))
				.POST(HttpRequest.BodyPublishers
					.ofString("{\"id\":\"" + id + "\",\"name\":\"Address\",\"totalStock\":100}"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(created.statusCode()).isEqualTo(201);
		return id;
	}

	private static URI base(ConfigurableApplicationContext instance) {
		return URI.create("http://127.0.0.1:" + ((WebServerApplicationContext) instance).getWebServer().getPort());
	}

}
