package dev.coupongateway.issue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;

import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written claim bodies are the bytes the application's JSON mapper writes for
 * the same values, whatever the user id holds.
 */
@CouponGatewayTest
class ClaimBodiesTests {

	@Autowired
	private JsonMapper json;

	@ParameterizedTest
	@ValueSource(strings = { "alice", "quo\"te", "back\\slash", "\"\\\"\\", "</script>", "tab\there", "new\nline",
			"bell\u0007\u001f", "unicode-\u00e9\u4e2d\ud83d\ude00", "" })
	void aGrantIsWrittenAsTheMapperWritesIt(String userId) {
		for (Instant issuedAt : List.of(Instant.ofEpochMilli(1_780_000_000_123L),
				Instant.ofEpochMilli(1_780_000_000_000L))) {
			CouponView coupon = new CouponView(UUID.randomUUID(), "spring-sale", userId, 17, issuedAt,
					CouponState.PENDING);
			String hand = new String(ClaimBodies.grant(coupon), StandardCharsets.UTF_8);
			assertThat(hand).isEqualTo(new String(this.json.writeValueAsBytes(coupon), StandardCharsets.UTF_8));
			assertThat(this.json.readValue(hand, CouponView.class)).isEqualTo(coupon);
		}
	}

	@Test
	void theAlreadyIssuedProblemIsWrittenAsTheMapperWritesIt() {
		URI instance = URI.create("/api/campaigns/spring-sale/coupons");
		ClaimBodies bodies = new ClaimBodies(this.json);
		for (int held = 1; held <= 3; held++) {
			List<Grant> grants = new java.util.ArrayList<>();
			for (int i = 1; i <= held; i++) {
				grants.add(new Grant(UUID.randomUUID(), i, i, Instant.now()));
			}
			Problem problem = Problem
				.of(ProblemCode.ALREADY_ISSUED, "You hold as many coupons of this campaign as allowed.")
				.with("couponIds", grants.stream().map(Grant::couponId).toList());
			String hand = new String(bodies.alreadyIssued("spring-sale", instance, grants), StandardCharsets.UTF_8);
			// the members in the order the problem encoder writes them (RFC 9457's first)
			assertThat(hand)
				.isEqualTo(new String(this.json.writeValueAsBytes(problem.toMap(instance)), StandardCharsets.UTF_8));
			assertThat(this.json.readValue(hand, Map.class)).containsEntry("code", "ALREADY_ISSUED");
		}
	}

}
