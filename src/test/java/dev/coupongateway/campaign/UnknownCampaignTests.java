package dev.coupongateway.campaign;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client spraying made-up campaign ids gets 404 on every public route that takes an id,
 * without driving a database query per request. Counted where the queries are made
 * ({@code coupon_campaign_reads_total}): the suite's PostgreSQL is shared with the
 * writers of other test contexts, whose inserts scan the campaign table's key too (on the
 * code before, counted there: 1,959 look-ups for these 2,150 requests).
 */
@CouponGatewayTest
class UnknownCampaignTests {

	@LocalServerPort
	private int port;

	@Autowired
	private WebTestClient http;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenClaimsNameCampaignsThatDoNotExistThenPostgresIsNotAskedForEach() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		// 1,000 distinct made-up ids, then one made-up id 1,000 times
		List<Claim> sprayed = IntStream.range(0, 1_000)
			.mapToObj((i) -> new Claim("nope-" + run + "-" + i, "bot-" + i))
			.toList();
		List<Claim> repeated = IntStream.range(0, 1_000).mapToObj((i) -> new Claim("nope-" + run, "bot-" + i)).toList();
		long before = lookups();

		List<Answer> answers = new Claims(this.port).concurrently(sprayed, 16);
		answers = new ArrayList<>(answers);
		answers.addAll(new Claims(this.port).concurrently(repeated, 16));
		for (String route : List.of("/api/campaigns/nope-" + run, "/api/campaigns/nope-" + run + "/stock",
				"/api/campaigns/nope-" + run + "/stock/stream")) {
			for (int i = 0; i < 50; i++) {
				this.http.get().uri(route).exchange().expectStatus().isNotFound();
			}
		}

		assertThat(answers).extracting(Answer::status).containsOnly(404);
		long lookups = lookups() - before;
		assertThat(lookups).as("campaign look-ups in PostgreSQL for 2,150 requests on unknown ids").isLessThan(50);
	}

	/** Campaigns this instance read from PostgreSQL by id so far. */
	private long lookups() {
		return (long) this.meters.counter("coupon.campaign.reads").count();
	}

}
