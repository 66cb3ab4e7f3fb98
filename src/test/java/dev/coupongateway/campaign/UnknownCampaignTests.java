package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client spraying made-up campaign ids gets 404 on every public route that takes an id, without driving
 * a database query per request. Counted on the real PostgreSQL: index scans of the campaign table's
 * primary key (each look-up of a campaign by id is one).
 */
@CouponGatewayTest
class UnknownCampaignTests {

	@LocalServerPort
	private int port;

	@Autowired
	private WebTestClient http;

	@Autowired
	private DatabaseClient db;

	@Test
	void whenClaimsNameCampaignsThatDoNotExistThenPostgresIsNotAskedForEach() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		// 1,000 distinct made-up ids, then one made-up id 1,000 times
		List<Claim> sprayed = IntStream.range(0, 1_000).mapToObj((i) -> new Claim("nope-" + run + "-" + i, "bot-" + i)).toList();
		List<Claim> repeated = IntStream.range(0, 1_000).mapToObj((i) -> new Claim("nope-" + run, "bot-" + i)).toList();
		long before = settledLookups();

		List<Answer> answers = new Claims(this.port).concurrently(sprayed, 16);
		answers = new java.util.ArrayList<>(answers);
		answers.addAll(new Claims(this.port).concurrently(repeated, 16));
		for (String route : List.of("/api/campaigns/nope-" + run, "/api/campaigns/nope-" + run + "/stock",
				"/api/campaigns/nope-" + run + "/stock/stream")) {
			for (int i = 0; i < 50; i++) {
				this.http.get().uri(route).exchange().expectStatus().isNotFound();
			}
		}

		assertThat(answers).extracting(Answer::status).containsOnly(404);
		long lookups = settledLookups() - before;
		assertThat(lookups).as("campaign look-ups in PostgreSQL for 2,150 requests on unknown ids").isLessThan(50);
	}

	/** Index scans of {@code campaign}'s primary key, once PostgreSQL's statistics stopped moving. */
	private long settledLookups() {
		AtomicLong last = new AtomicLong(-1);
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).during(Duration.ofMillis(1500))
			.until(() -> {
				long now = this.db.sql("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'campaign_pkey'")
					.map((row) -> row.get("idx_scan", Long.class))
					.one()
					.block(Duration.ofSeconds(5));
				return last.getAndSet(now) == now;
			});
		return last.get();
	}

}
