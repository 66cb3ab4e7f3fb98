package dev.coupongateway.campaign;

import dev.coupongateway.system.ProblemCode;
import dev.coupongateway.system.ProblemException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** A campaign id is checked where it is made; what holds one holds a valid id. */
class CampaignIdTests {

	@Test
	void whenTheValueFitsThenItIsTheId() {
		assertThat(new CampaignId("spring-sale-2026").value()).isEqualTo("spring-sale-2026");
		assertThat(new CampaignId("a".repeat(64))).hasToString("a".repeat(64));
	}

	@Test
	void whenTheValueCannotBeAnIdThenA400ProblemNamesTheRule() {
		for (String bad : new String[] { "", "-sale", "Sale", "sale_1", "a".repeat(65), "../etc", "sale 1" }) {
			assertThatExceptionOfType(ProblemException.class).as(bad)
				.isThrownBy(() -> new CampaignId(bad))
				.satisfies((ex) -> {
					assertThat(ex.problem().code()).isEqualTo(ProblemCode.INVALID_REQUEST);
					assertThat(ex.problem().toString()).contains(CampaignId.RULE);
				});
		}
		assertThatExceptionOfType(ProblemException.class).isThrownBy(() -> new CampaignId(null));
	}

}
