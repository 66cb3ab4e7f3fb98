package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.Instant;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.awaitility.Awaitility.await;

/**
 * The operator's controls over HTTP on the real servers: pause answers claims 409 PAUSED
 * and grants nothing, resume opens it again, end refuses claims for good; a pause
 * outlives Redis losing the state.
 */
@CouponGatewayTest
class CampaignControlTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Test
	void whenPausedThenClaimsArePausedAndNothingIsGrantedUntilResumed() {
		String campaign = this.fixtures.campaign(5);
		claim(campaign, "before").expectStatus().isCreated();

		control(campaign, "pause").expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("PAUSED");
		claim(campaign, "during").expectStatus()
			.isEqualTo(409)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("PAUSED");
		this.http.get()
			.uri("/api/campaigns/{id}", campaign)
			.exchange()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("PAUSED")
			.jsonPath("$.issued")
			.isEqualTo(1);

		control(campaign, "resume").expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("OPEN");
		claim(campaign, "during").expectStatus().isCreated();
	}

	@Test
	void whenRedisLosesAPausedCampaignThenTheRebuildKeepsItPaused() {
		String campaign = this.fixtures.campaign(5);
		control(campaign, "pause").expectStatus().isOk();
		CampaignKeys keys = CampaignKeys.of(campaign);
		this.redis.delete(keys.settings(), keys.grants(), keys.outbox(), keys.free()).block(Duration.ofSeconds(5));

		// the rebuild waits (503) until the writer stored every event sent so far, other
		// tests' too
		await().atMost(Duration.ofSeconds(30)).until(() -> claimStatus(campaign, "after-loss") != 503);
		claim(campaign, "after-loss").expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("PAUSED");
		control(campaign, "resume").expectStatus().isOk();
		claim(campaign, "after-loss").expectStatus().isCreated();
	}

	@Test
	void whenEndedEarlyThenClaimsAreRefusedForGood() {
		String campaign = this.fixtures.campaign(5);
		claim(campaign, "early").expectStatus().isCreated();
		control(campaign, "end").expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("ENDED")
			.jsonPath("$.endsAt")
			.isNotEmpty();
		claim(campaign, "late").expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("ENDED");
		control(campaign, "resume").expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("ENDED");
		claim(campaign, "late").expectStatus().isEqualTo(409);
		this.http.get()
			.uri("/api/campaigns/{id}/stock", campaign)
			.exchange()
			.expectBody()
			.jsonPath("$.issued")
			.isEqualTo(1);
	}

	@Test
	void whenACampaignThatNeverStartedIsEndedThenItIsEnded() {
		String campaign = this.fixtures.campaign(5, 1, Instant.now().plusSeconds(3600), null);
		control(campaign, "end").expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("ENDED");
		claim(campaign, "never").expectStatus().isEqualTo(409).expectBody().jsonPath("$.code").isEqualTo("ENDED");
	}

	@Test
	void whenTheCallerIsNoOperatorOrTheCampaignUnknownThenAProblemAndNothingChanges() {
		String campaign = this.fixtures.campaign(5);
		this.http.post().uri("/api/admin/campaigns/{id}/pause", campaign).exchange().expectStatus().isUnauthorized();
		claim(campaign, "still-open").expectStatus().isCreated();
		control("no-such-" + campaign, "pause").expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("CAMPAIGN_NOT_FOUND");
		this.http.get()
			.uri("/api/admin/campaigns/{id}/pause", campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isEqualTo(405);
	}

	private WebTestClient.ResponseSpec control(String campaign, String action) {
		return this.http.post()
			.uri("/api/admin/campaigns/{id}/" + action, campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange();
	}

	private int claimStatus(String campaign, String user) {
		return claim(campaign, user).returnResult(String.class).getStatus().value();
	}

	private WebTestClient.ResponseSpec claim(String campaign, String user) {
		return this.http.post().uri("/api/campaigns/{id}/coupons", campaign).header("X-User-Id", user).exchange();
	}

}
