package dev.coupongateway.system;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code coupon.identity=jwt} over HTTP on the real servers: a claim belongs to the
 * token's subject (whatever {@code X-User-Id} says), the admin API needs its scope, and
 * every refused token is a 401 problem with RFC 6750's challenge that changed nothing.
 */
class JwtIdentityTests {

	private static ConfigurableApplicationContext instance;

	private static WebTestClient http;

	private static String base;

	@BeforeAll
	static void start() {
		List<String> settings = new ArrayList<>(List.of(Tokens.JWT_MODE));
		settings.add("coupon.roles=gateway");
		instance = GatewayInstance.start(settings.toArray(String[]::new));
		int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		base = "http://127.0.0.1:" + port;
		http = WebTestClient.bindToServer().baseUrl(base).responseTimeout(Duration.ofSeconds(20)).build();
	}

	@AfterAll
	static void stop() {
		instance.close();
	}

	/**
	 * Clients learn the API before they hold a token: the document, its page and files.
	 */
	@Test
	void whenNoTokenIsSentThenTheApiDocumentThePageAndItsFilesAreServed() {
		// Swagger UI's files are read whole
		ApiDocumentTests.assertServedWithoutCredentials(
				http.mutate().codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(4 << 20)).build());
	}

	@Test
	void whenTheTokenIsGoodThenTheClaimIsTheSubjectsWhateverTheHeaderSays() {
		String campaign = create(3);
		http.post()
			.uri(Paths.COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + Tokens.signed(Tokens.valid("jwt-alice")))
			.header("X-User-Id", "mallory")
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.userId")
			.isEqualTo("jwt-alice");
		http.get()
			.uri(Paths.MY_COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + Tokens.signed(Tokens.valid("jwt-alice")))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.coupons.length()")
			.isEqualTo(1);
		// reads stay public
		http.get()
			.uri(Paths.CAMPAIGN_STOCK, campaign)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.issued")
			.isEqualTo(1);
	}

	@Test
	void whenTheTokenIsMissingOrRefusedThenUnauthorizedWithAChallengeAndNothingChanges() {
		String campaign = create(3);
		Instant now = Instant.now();
		Map<String, String> refused = new LinkedHashMap<>();
		refused.put("expired",
				Tokens.signed(Tokens.valid("u1")
					.issueTime(Date.from(now.minusSeconds(900)))
					.expirationTime(Date.from(now.minusSeconds(300)))));
		refused.put("not yet valid", Tokens.signed(Tokens.valid("u2").notBeforeTime(Date.from(now.plusSeconds(300)))));
		refused.put("badly signed", Tokens.signed(Tokens.valid("u3"), "another-secret-of-at-least-thirty-two-bytes"));
		refused.put("wrong issuer", Tokens.signed(Tokens.valid("u4").issuer("https://evil.example.test")));
		refused.put("wrong audience", Tokens.signed(Tokens.valid("u5").audience("someone-else")));
		refused.put("alg none", Tokens.unsigned(Tokens.valid("u6")));
		refused.put("no subject", Tokens.signed(Tokens.valid("u7").subject(null)));
		refused.put("not a token", "definitely-not-a-jwt");
		for (Map.Entry<String, String> token : refused.entrySet()) {
			EntityExchangeResult<byte[]> answer = http.post()
				.uri(Paths.COUPONS, campaign)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + token.getValue())
				.header("X-User-Id", "mallory")
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("UNAUTHENTICATED")
				.returnResult();
			assertThat(answer.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).as(token.getKey())
				.startsWith("Bearer error=\"invalid_token\"");
		}
		String challenge = http.post()
			.uri(Paths.COUPONS, campaign)
			.header("X-User-Id", "mallory")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("UNAUTHENTICATED")
			.returnResult()
			.getResponseHeaders()
			.getFirst(HttpHeaders.WWW_AUTHENTICATE);
		assertThat(challenge).isEqualTo("Bearer");
		http.get()
			.uri(Paths.CAMPAIGN_STOCK, campaign)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.issued")
			.isEqualTo(0);
	}

	/**
	 * A caller's token is verified on its first request; the next ones are answered from
	 * the cache of verified tokens. A token of the same subject signed with another key
	 * is still refused, each time with the same problem.
	 */
	@Test
	void whenTheSameTokenClaimsAgainThenItIsVerifiedOnceAndAForgedOneIsStillRefused() {
		String campaign = create(1);
		String token = Tokens.signed(Tokens.valid("jwt-carol"));
		double before = verifications("accepted");
		http.post()
			.uri(Paths.COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.exchange()
			.expectStatus()
			.isCreated();
		for (int i = 0; i < 3; i++) {
			http.post()
				.uri(Paths.COUPONS, campaign)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
				.exchange()
				.expectStatus()
				.isEqualTo(409)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("ALREADY_ISSUED");
		}
		assertThat(verifications("accepted") - before).isEqualTo(1);
		String forged = Tokens.signed(Tokens.valid("jwt-carol"), "another-secret-of-at-least-thirty-two-bytes");
		double refusedBefore = verifications("refused");
		List<String> answers = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			EntityExchangeResult<String> answer = http.post()
				.uri(Paths.COUPONS, campaign)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + forged)
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectBody(String.class)
				.returnResult();
			answers.add(answer.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE) + " "
					+ answer.getResponseBody());
		}
		assertThat(answers.get(0)).startsWith("Bearer error=\"invalid_token\"").isEqualTo(answers.get(1));
		assertThat(verifications("refused") - refusedBefore).isEqualTo(2);
	}

	/**
	 * A claim is authenticated on its own lean path, not by Spring Security's chain of
	 * filters: the chain's observation of secured requests counts the caller's coupons
	 * page, and none of the claims.
	 */
	@Test
	void whenAClaimIsAuthenticatedThenSpringSecuritysChainIsNotWalked() {
		String campaign = create(1);
		String token = "Bearer " + Tokens.signed(Tokens.valid("jwt-dave"));
		double before = securedRequests();
		mine(campaign, token);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(securedRequests()).isEqualTo(before + 1));
		http.post()
			.uri(Paths.COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, token)
			.exchange()
			.expectStatus()
			.isCreated();
		for (int i = 0; i < 2; i++) {
			http.post()
				.uri(Paths.COUPONS, campaign)
				.header(HttpHeaders.AUTHORIZATION, token)
				.exchange()
				.expectStatus()
				.isEqualTo(409);
		}
		mine(campaign, token);
		// the claims, had they gone through the chain, were observed before this page
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(securedRequests()).isEqualTo(before + 2));
	}

	/**
	 * The claim's refusals are the ones the chain gives the caller's coupons page: the
	 * same status, headers (the security headers and the challenge) and problem, but for
	 * the path it names.
	 */
	@Test
	void whenAClaimIsRefusedThenTheAnswerIsTheOneTheChainGives() {
		String campaign = create(1);
		Instant now = Instant.now();
		List<String> presented = new ArrayList<>();
		presented.add(null);
		presented.add("Basic dXNlcjpwYXNz");
		presented.add("Bearer");
		presented.add("Bearer not a token");
		presented.add("bearer definitely-not-a-jwt");
		presented.add("Bearer " + Tokens.signed(Tokens.valid("u1")
			.issueTime(Date.from(now.minusSeconds(900)))
			.expirationTime(Date.from(now.minusSeconds(300)))));
		presented.add("Bearer " + Tokens.signed(Tokens.valid("u3"), "another-secret-of-at-least-thirty-two-bytes"));
		presented.add("Bearer " + Tokens.signed(Tokens.valid("u5").audience("someone-else")));
		presented.add("Bearer " + Tokens.signed(Tokens.valid(" u7")));
		for (String authorization : presented) {
			String claimPath = Paths.of(Paths.COUPONS, campaign);
			String minePath = Paths.of(Paths.MY_COUPONS, campaign);
			EntityExchangeResult<String> claim = http.post().uri(claimPath).headers((headers) -> {
				if (authorization != null) {
					headers.set(HttpHeaders.AUTHORIZATION, authorization);
				}
			}).exchange().expectBody(String.class).returnResult();
			EntityExchangeResult<String> page = http.get().uri(minePath).headers((headers) -> {
				if (authorization != null) {
					headers.set(HttpHeaders.AUTHORIZATION, authorization);
				}
			}).exchange().expectBody(String.class).returnResult();
			assertThat(claim.getStatus().value()).as(authorization).isEqualTo(401);
			assertThat(page.getStatus().value()).as(authorization).isEqualTo(401);
			assertThat(withoutLength(claim.getResponseHeaders())).as(authorization)
				.isEqualTo(withoutLength(page.getResponseHeaders()));
			assertThat(claim.getResponseBody()).as(authorization)
				.isEqualTo(page.getResponseBody().replace(minePath, claimPath));
		}
	}

	/**
	 * The firewall still guards the claim: an encoded slash in the campaign's segment is
	 * refused before anyone looks at the token.
	 */
	@Test
	void whenAClaimsPathHasAnEncodedSlashThenTheFirewallRefusesIt() {
		URI uri = URI.create(base + "/api/campaigns/a%2Fb/coupons");
		http.post()
			.uri(uri)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + Tokens.signed(Tokens.valid("jwt-erin")))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST");
	}

	@Test
	void whenThePageAsksHowToSignInThenTheAnswerIsPublicAndSaysBearer() {
		http.get()
			.uri(Paths.IDENTITY)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.identity")
			.isEqualTo("jwt")
			.jsonPath("$.send")
			.isEqualTo("Authorization: Bearer <token>");
		http.post()
			.uri(Paths.IDENTITY)
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals("Allow", "GET")
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("METHOD_NOT_ALLOWED");
	}

	@Test
	void whenTheTokenLacksTheAdminScopeThenTheAdminApiIsForbidden() {
		String id = Fixtures.uniqueId("jwt");
		String body = "{\"id\":\"" + id + "\",\"name\":\"Jwt\",\"totalStock\":5}";
		http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + Tokens.signed(Tokens.valid("jwt-bob")))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.valueMatches(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\".*")
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("FORBIDDEN");
		// header mode's static admin token means nothing here
		http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + DevServices.ADMIN_TOKEN)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isUnauthorized();
		http.get().uri(Paths.CAMPAIGN, id).exchange().expectStatus().isNotFound();
	}

	@Test
	void whenTheTokenHasTheAdminScopeThenHealthShowsItsDetailsAndToNobodyElse() {
		http.get()
			.uri("/actuator/health")
			.header(HttpHeaders.AUTHORIZATION,
					"Bearer " + Tokens.signed(Tokens.valid("ops").claim("scope", "coupon-admin")))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components.kafka.details.brokers")
			.isEqualTo(1);
		http.get()
			.uri("/actuator/health")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + Tokens.signed(Tokens.valid("jwt-bob")))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components")
			.doesNotExist();
		http.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components")
			.doesNotExist();
	}

	private static double verifications(String outcome) {
		return instance.getBean(MeterRegistry.class)
			.get("coupon.jwt.verifications")
			.tag("outcome", outcome)
			.counter()
			.count();
	}

	private static void mine(String campaign, String authorization) {
		http.get()
			.uri(Paths.MY_COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, authorization)
			.exchange()
			.expectStatus()
			.isOk();
	}

	/** Requests Spring Security's chain walked as secured ones (its observation). */
	private static double securedRequests() {
		return instance.getBean(MeterRegistry.class)
			.find("spring.security.http.secured.requests")
			.timers()
			.stream()
			.mapToDouble(Timer::count)
			.sum();
	}

	private static Map<String, List<String>> withoutLength(HttpHeaders headers) {
		Map<String, List<String>> kept = new LinkedHashMap<>();
		headers.forEach((name, values) -> {
			if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)) {
				kept.put(name.toLowerCase(Locale.ROOT), values);
			}
		});
		return new TreeMap<>(kept);
	}

	/** A campaign, created with an admin-scoped token. */
	private static String create(int stock) {
		String id = Fixtures.uniqueId("jwt");
		http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.header(HttpHeaders.AUTHORIZATION,
					"Bearer " + Tokens.signed(Tokens.valid("ops").claim("scope", "coupon-admin")))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"id\":\"" + id + "\",\"name\":\"Jwt\",\"totalStock\":" + stock + "}")
			.exchange()
			.expectStatus()
			.isCreated();
		return id;
	}

}
