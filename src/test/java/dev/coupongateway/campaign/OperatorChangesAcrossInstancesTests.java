package dev.coupongateway.campaign;

import java.time.Duration;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.DevServices;
import dev.coupongateway.GatewayOnOwnRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An operator's change made through one instance holds on every other one at once, and
 * through a Redis restart: PostgreSQL is the one source of truth for settings and
 * controls, Redis holds the newest version of them for the claim script, and a rebuild
 * reads PostgreSQL afresh instead of writing back an instance's old copy. Two instances
 * on one Redis, really restarted.
 */
class OperatorChangesAcrossInstancesTests {

	private static GatewayOnOwnRedis a;

	private static GatewayOnOwnRedis b;

	@BeforeAll
	static void start() {
		a = new GatewayOnOwnRedis();
		b = new GatewayOnOwnRedis(a.redis);
	}

	@AfterAll
	static void stop() {
		b.close();
		a.close();
	}

	@Test
	void whenPausedThroughOneInstanceAndRedisRestartsThenTheOtherDoesNotReopenIt() throws Exception {
		String campaign = a.fixtures.campaign(10);
		// b has read the campaign (and kept its copy) before the pause
		assertThat(claim(b, campaign, "before").status()).isEqualTo(201);
		admin(a.http, campaign, "pause").expectStatus().isOk();
		assertThat(claim(b, campaign, "during").status()).isEqualTo(409);

		a.redis.stop();
		a.redis.start();

		Answer after = new Claims(b.port).untilDecided(campaign, "after-restart", Duration.ofSeconds(60));
		assertThat(after.status()).isEqualTo(409);
		assertThat(after.body()).contains("PAUSED");
		admin(a.http, campaign, "resume").expectStatus().isOk();
		assertThat(new Claims(b.port).untilDecided(campaign, "after-resume", Duration.ofSeconds(60)).status())
			.isEqualTo(201);
	}

	@Test
	void whenEndedThroughOneInstanceAndRedisRestartsThenTheOtherDoesNotReopenIt() throws Exception {
		String campaign = a.fixtures.campaign(10);
		assertThat(claim(b, campaign, "before").status()).isEqualTo(201);
		admin(a.http, campaign, "end").expectStatus().isOk();

		a.redis.stop();
		a.redis.start();

		Answer after = new Claims(b.port).untilDecided(campaign, "after-restart", Duration.ofSeconds(60));
		assertThat(after.status()).isEqualTo(409);
		assertThat(after.body()).contains("ENDED");
	}

	@Test
	void whenAWaitingRoomIsAddedAndRemovedThroughOneInstanceThenTheOtherFollowsAtOnce() throws Exception {
		String campaign = a.fixtures.campaign(10);
		assertThat(claim(b, campaign, "before").status()).isEqualTo(201);

		a.http.put()
			.uri("/api/admin/campaigns/{id}/waiting-room", campaign)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"admitPerSecond\":1,\"ticketTtl\":\"PT1M\"}")
			.exchange()
			.expectStatus()
			.isOk();
		Answer withRoom = claim(b, campaign, "no-ticket");
		assertThat(withRoom.status()).isEqualTo(403);
		assertThat(withRoom.body()).contains("NOT_ADMITTED");
		// b offers the line at once (its copy of the campaign was dropped by a's
		// announcement)
		b.http.post()
			.uri("/api/campaigns/{id}/queue", campaign)
			.header("X-User-Id", "in-line")
			.exchange()
			.expectStatus()
			.is2xxSuccessful();

		a.http.delete()
			.uri("/api/admin/campaigns/{id}/waiting-room", campaign)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk();
		assertThat(claim(b, campaign, "no-ticket").status()).isEqualTo(201);
	}

	@Test
	void whenACampaignIsCreatedRightAfterItsIdWasUnknownThenEveryInstanceTakesClaimsAtOnce() throws Exception {
		String id = dev.coupongateway.Fixtures.uniqueId("late");
		assertThat(claim(a, id, "early").status()).isEqualTo(404);
		assertThat(claim(b, id, "early").status()).isEqualTo(404);

		a.fixtures.campaignWithId(id, 5);

		assertThat(claim(a, id, "on-a").status()).isEqualTo(201);
		assertThat(claim(b, id, "on-b").status()).isEqualTo(201);
	}

	private static WebTestClient.ResponseSpec admin(WebTestClient http, String campaign, String action) {
		return http.post()
			.uri("/api/admin/campaigns/{id}/" + action, campaign)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange();
	}

	private static Answer claim(GatewayOnOwnRedis instance, String campaign, String user) throws Exception {
		return new Claims(instance.port).claim(campaign, user);
	}

}
