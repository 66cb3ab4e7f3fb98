package dev.coupongateway.issue;

import java.util.Map;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A scratch id (the warm-up's campaign) is no campaign anyone can make or see: the claim
 * route knows it only while a warm-up runs on it (else 404, no store asked), every other
 * route refuses it as it refuses any id that is not one, and the admin API cannot create
 * it.
 */
@CouponGatewayTest
class ScratchCampaignIdTests {

	@Autowired
	private WebTestClient http;

	@Test
	void whenNoWarmUpRunsOnAScratchIdThenItsClaimIsNotFound() {
		String scratch = CampaignId.scratch().value();
		this.http.post()
			.uri(Paths.COUPONS, scratch)
			.header("X-User-Id", "alice")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("CAMPAIGN_NOT_FOUND");
	}

	@Test
	void whenAScratchIdIsAskedForElsewhereThenItIsNoCampaignId() {
		String scratch = CampaignId.scratch().value();
		this.http.get().uri(Paths.CAMPAIGN, scratch).exchange().expectStatus().isBadRequest();
		this.http.get().uri(Paths.CAMPAIGN_STOCK, scratch).exchange().expectStatus().isBadRequest();
		this.http.get().uri(Paths.STOCK_STREAM, scratch).exchange().expectStatus().isBadRequest();
		this.http.get()
			.uri(Paths.MY_COUPONS, scratch)
			.header("X-User-Id", "alice")
			.exchange()
			.expectStatus()
			.isBadRequest();
		this.http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.bodyValue(Map.of("id", scratch, "name", "not a warm-up", "totalStock", 10, "perUserLimit", 1))
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

}
