package dev.coupongateway.issue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The claim contract over HTTP: each answer and problem code, and that rejections change
 * nothing.
 */
@CouponGatewayTest
@ExtendWith(OutputCaptureExtension.class)
class ClaimApiTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenStockIsLeftThenCreatedWithTheCoupon() {
		String campaign = this.fixtures.campaign(3);
		claim(campaign, "alice").expectStatus()
			.isCreated()
			.expectHeader()
			.location("/api/campaigns/" + campaign + "/coupons/mine")
			.expectBody()
			.jsonPath("$.couponId")
			.isNotEmpty()
			.jsonPath("$.campaignId")
			.isEqualTo(campaign)
			.jsonPath("$.userId")
			.isEqualTo("alice")
			.jsonPath("$.sequence")
			.isEqualTo(1)
			.jsonPath("$.issuedAt")
			.isNotEmpty()
			.jsonPath("$.state")
			.isEqualTo("ISSUED");
		stock(campaign).jsonPath("$.issued").isEqualTo(1).jsonPath("$.remaining").isEqualTo(2);
	}

	@Test
	void aCouponIdIsATimeOrderedUuidOfTheMomentOfTheGrant() {
		String campaign = this.fixtures.campaign(3);
		CouponView coupon = claim(campaign, "tia").expectStatus()
			.isCreated()
			.expectBody(CouponView.class)
			.returnResult()
			.getResponseBody();
		assertThat(coupon.couponId().version()).isEqualTo(7);
		assertThat(coupon.couponId().getMostSignificantBits() >>> 16).isCloseTo(coupon.issuedAt().toEpochMilli(),
				within(5_000L));
	}

	@Test
	void whenTheUserIdHoldsQuotesAndBackslashesThenTheAnswersAreJsonNamingItAsSent() {
		String campaign = this.fixtures.campaign(3);
		String user = "q\"u\\o'te\\\"";
		claim(campaign, user).expectStatus()
			.isCreated()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.userId")
			.isEqualTo(user)
			.jsonPath("$.campaignId")
			.isEqualTo(campaign);
		claim(campaign, user).expectStatus()
			.isEqualTo(409)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("about:blank")
			.jsonPath("$.title")
			.isEqualTo("Conflict")
			.jsonPath("$.status")
			.isEqualTo(409)
			.jsonPath("$.instance")
			.isEqualTo("/api/campaigns/" + campaign + "/coupons")
			.jsonPath("$.code")
			.isEqualTo("ALREADY_ISSUED")
			.jsonPath("$.couponIds.length()")
			.isEqualTo(1);
	}

	@Test
	void whenUserRetriesThenAlreadyIssuedWithTheSameCoupon() {
		String campaign = this.fixtures.campaign(3);
		String couponId = couponId(claim(campaign, "bob"));
		claim(campaign, "bob").expectStatus()
			.isEqualTo(409)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("ALREADY_ISSUED")
			.jsonPath("$.couponIds[0]")
			.isEqualTo(couponId);
		stock(campaign).jsonPath("$.issued").isEqualTo(1);
	}

	@Test
	void whenStockIsGoneThenSoldOutAndStockUntouched() {
		String campaign = this.fixtures.campaign(1);
		claim(campaign, "first").expectStatus().isCreated();
		claim(campaign, "second").expectStatus().isEqualTo(410).expectBody().jsonPath("$.code").isEqualTo("SOLD_OUT");
		stock(campaign).jsonPath("$.issued").isEqualTo(1).jsonPath("$.remaining").isEqualTo(0);
		this.http.get()
			.uri("/api/campaigns/{id}", campaign)
			.exchange()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("SOLD_OUT");
	}

	@Test
	void whenOutsideTheWindowThenNotStartedOrEnded() {
		String future = this.fixtures.campaign(5, 1, Instant.now().plusSeconds(3600), null);
		claim(future, "carol").expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("NOT_STARTED");
		String past = this.fixtures.campaign(5, 1, Instant.now().minusSeconds(7200), Instant.now().minusSeconds(3600));
		claim(past, "carol").expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("ENDED");
		stock(future).jsonPath("$.issued").isEqualTo(0);
		stock(past).jsonPath("$.issued").isEqualTo(0);
	}

	@Test
	void whenCampaignIsUnknownThenCampaignNotFound() {
		claim("no-such-campaign", "dave").expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("CAMPAIGN_NOT_FOUND");
		assertThat(this.redis.hasKey(CampaignKeys.of("no-such-campaign").settings()).block()).isFalse();
	}

	@Test
	void whenCampaignIdIsMalformedThenInvalidRequest() {
		claim("Not_An_Id", "dave").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST");
	}

	@Test
	void whenUserIdIsMissingOrUnusableThenUnauthenticatedAndNothingGranted() {
		String campaign = this.fixtures.campaign(5);
		this.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("UNAUTHENTICATED");
		for (String bad : new String[] { "x".repeat(65), "tab\there", "caf\u00e9" }) {
			claim(campaign, bad).expectStatus()
				.isUnauthorized()
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("UNAUTHENTICATED");
		}
		this.http.get().uri("/api/campaigns/{id}/coupons/mine", campaign).exchange().expectStatus().isUnauthorized();
		stock(campaign).jsonPath("$.issued").isEqualTo(0);
	}

	@Test
	void whenWrongMethodThenMethodNotAllowed() {
		this.http.get()
			.uri("/api/campaigns/{id}/coupons", "demo")
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals("Allow", "POST")
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("METHOD_NOT_ALLOWED");
	}

	@Test
	void whenClaimHasABodyThenItIsIgnored() {
		String campaign = this.fixtures.campaign(5);
		this.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", "erin")
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("anything")
			.exchange()
			.expectStatus()
			.isCreated();
	}

	@Test
	void whenCouponIsStoredThenMineTurnsFromPendingOrIssuedToStored() {
		String campaign = this.fixtures.campaign(5, 2);
		String first = couponId(claim(campaign, "frank"));
		String second = couponId(claim(campaign, "frank"));
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == 2);
		this.http.get()
			.uri("/api/campaigns/{id}/coupons/mine", campaign)
			.header("X-User-Id", "frank")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.coupons.length()")
			.isEqualTo(2)
			.jsonPath("$.coupons[0].couponId")
			.isEqualTo(first)
			.jsonPath("$.coupons[1].couponId")
			.isEqualTo(second)
			.jsonPath("$.coupons[0].state")
			.isEqualTo("STORED")
			.jsonPath("$.coupons[1].state")
			.isEqualTo("STORED");
		this.http.get()
			.uri("/api/campaigns/{id}/coupons/mine", campaign)
			.header("X-User-Id", "nobody")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.coupons.length()")
			.isEqualTo(0);
	}

	@Test
	void whenEveryGrantIsStoredThenTheReconciliationAgrees() {
		String campaign = this.fixtures.campaign(5);
		claim(campaign, "r1").expectStatus().isCreated();
		claim(campaign, "r2").expectStatus().isCreated();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == 2);
		await().atMost(Duration.ofSeconds(30)).until(() -> reconciliation(campaign).contains("\"agree\":true"));
		this.http.get()
			.uri("/api/admin/campaigns/{id}/reconciliation", campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectBody()
			.json("{\"campaignId\":\"" + campaign + "\",\"total\":5,\"granted\":2,\"pendingInOutbox\":0,"
					+ "\"stored\":2,\"conflicts\":0,\"inFlight\":0,\"agree\":true}");
		this.http.get()
			.uri("/api/admin/campaigns/{id}/reconciliation", campaign)
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

	private String reconciliation(String campaign) {
		return this.http.get()
			.uri("/api/admin/campaigns/{id}/reconciliation", campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	@Test
	void whenRedisLostTheCampaignThenItIsRebuiltFromPostgresBeforeGrantingAgain() {
		String campaign = this.fixtures.campaign(4);
		String aliceCoupon = couponId(claim(campaign, "alice"));
		claim(campaign, "bob").expectStatus().isCreated();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == 2);

		this.redis.delete(CampaignKeys.of(campaign).settings(), CampaignKeys.of(campaign).grants())
			.block(Duration.ofSeconds(5));

		// until the writer has stored what Kafka still holds, claims wait with 503 +
		// Retry-After
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			var answer = this.http.post()
				.uri("/api/campaigns/{id}/coupons", campaign)
				.header("X-User-Id", "alice")
				.exchange()
				.returnResult(String.class);
			if (answer.getStatus().value() == 503) {
				assertThat(answer.getResponseHeaders().getFirst("Retry-After")).isNotNull();
				return false;
			}
			assertThat(answer.getStatus().value()).isEqualTo(409);
			assertThat(answer.getResponseBody().blockFirst()).contains(aliceCoupon);
			return true;
		});
		stock(campaign).jsonPath("$.issued").isEqualTo(2);
		claim(campaign, "carol").expectStatus().isCreated().expectBody().jsonPath("$.sequence").isEqualTo(3);
		claim(campaign, "dave").expectStatus().isCreated();
		claim(campaign, "erin").expectStatus().isEqualTo(410);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == 4);
	}

	@Test
	void whenTheClaimScriptFailsThenInternalErrorWithoutDetailLoggedOnceAndNothingGranted(CapturedOutput output) {
		String campaign = this.fixtures.campaign(3);
		// a key of the wrong type makes issue.lua fail on its first read, as a script bug
		// would:
		// retrying cannot help, so the answer is a 500, never a 503 that asks for retries
		this.redis.opsForValue().set(CampaignKeys.of(campaign).grants(), "not a hash").block(Duration.ofSeconds(5));
		claim(campaign, "alice").expectStatus()
			.isEqualTo(500)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.doesNotExist("Retry-After")
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INTERNAL")
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).doesNotContainIgnoringCase("wrongtype")
				.doesNotContain("script"));
		await().atMost(Duration.ofSeconds(5)).until(() -> output.getOut().contains("WRONGTYPE"));
		assertThat(output.getOut()
			.lines()
			.filter((line) -> line.contains(" ERROR ") && line.contains("Unexpected error, answered 500"))).hasSize(1);
		this.redis.delete(CampaignKeys.of(campaign).grants()).block(Duration.ofSeconds(5));
		stock(campaign).jsonPath("$.issued").isEqualTo(0);
	}

	@Test
	void whenTheUserIdIsSentTwiceThenBadRequestAndNothingGranted() {
		String campaign = this.fixtures.campaign(3);
		this.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", "first", "second")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.errors[0]")
			.value((error) -> assertThat((String) error).contains("X-User-Id"));
		this.http.post()
			.uri("/api/campaigns/{id}/coupons", campaign)
			.header("X-User-Id", "first, second")
			.exchange()
			.expectStatus()
			.isBadRequest();
		stock(campaign).jsonPath("$.issued").isEqualTo(0);
	}

	@Test
	void claimsAreTimedByTheStatusTheyWereAnsweredWithAndLeftOutOfTheGenericRequestMetric() {
		Map<String, Long> before = claimTimings();
		String campaign = this.fixtures.campaign(1);
		claim(campaign, "timed-1").expectStatus().isCreated();
		claim(campaign, "timed-2").expectStatus().isEqualTo(410);
		claim("no-such-campaign-" + campaign, "timed-3").expectStatus().isNotFound();
		claim("Not_An_Id", "timed-4").expectStatus().isBadRequest();
		this.http.post().uri("/api/campaigns/{id}/coupons", campaign).exchange().expectStatus().isUnauthorized();
		stock(campaign);
		Map<String, Long> after = claimTimings();
		assertThat(after.get("201") - before.get("201")).isEqualTo(1);
		assertThat(after.get("410") - before.get("410")).isEqualTo(1);
		assertThat(after.get("404") - before.get("404")).isEqualTo(1);
		assertThat(after.get("400") - before.get("400")).isEqualTo(1);
		assertThat(after.get("401") - before.get("401")).isEqualTo(1);
		// the claim route is timed only by coupon.claim; every other route keeps
		// http.server.requests
		assertThat(this.meters.find("http.server.requests")
			.tag("uri", "/api/campaigns/{id}/coupons")
			.tag("method", "POST")
			.timers()).isEmpty();
		assertThat(this.meters.find("http.server.requests").tag("uri", "/api/campaigns/{id}/stock").timers())
			.isNotEmpty();
	}

	private Map<String, Long> claimTimings() {
		Map<String, Long> counts = new HashMap<>();
		for (String status : List.of("201", "410", "404", "400", "401")) {
			Timer timer = this.meters.find("coupon.claim").tag("status", status).timer();
			counts.put(status, (timer != null) ? timer.count() : 0L);
		}
		return counts;
	}

	private WebTestClient.ResponseSpec claim(String campaignId, String userId) {
		return this.http.post().uri("/api/campaigns/{id}/coupons", campaignId).header("X-User-Id", userId).exchange();
	}

	private WebTestClient.BodyContentSpec stock(String campaignId) {
		return this.http.get()
			.uri("/api/campaigns/{id}/stock", campaignId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody();
	}

	private static String couponId(WebTestClient.ResponseSpec response) {
		return response.expectStatus()
			.isCreated()
			.expectBody(CouponView.class)
			.returnResult()
			.getResponseBody()
			.couponId()
			.toString();
	}

}
