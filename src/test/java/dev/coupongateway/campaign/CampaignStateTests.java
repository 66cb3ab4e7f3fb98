package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignRepository.StoredCoupon;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code restore.lua} against a real Redis: a full rebuild, and a merge into state that is behind. */
@CouponGatewayTest
class CampaignStateTests {

	@Autowired
	private CampaignState state;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	private final Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);

	@Test
	void whenStateIsMissingThenItIsWrittenWholeAndHolesGoBackToTheStock() {
		Campaign campaign = campaign(6);
		StoredCoupon one = stored("alice", 1);
		StoredCoupon two = stored("bob", 2);
		StoredCoupon five = stored("carol", 5);
		assertThat(this.state.restore(campaign, List.of(one, two, five)).block(Duration.ofSeconds(5))).isTrue();

		CampaignKeys keys = CampaignKeys.of(campaign.id());
		assertThat(settings(keys)).containsEntry("issued", "3").containsEntry("seq", "5").containsEntry("total", "6");
		assertThat(this.redis.opsForList().range(keys.free(), 0, -1).collectList().block()).containsExactly("3", "4");
		assertThat(this.redis.<String, String>opsForHash().get(keys.grants(), "carol").block())
			.isEqualTo(new Grant(five.couponId(), 5, 1, this.at).encode());
		assertThat(this.redis.opsForSet().isMember(CampaignKeys.ALL_CAMPAIGNS, campaign.id()).block()).isTrue();
	}

	@Test
	void whenStateIsBehindThenWhatPostgresHoldsBeyondItIsMergedAndNothingIsLowered() {
		Campaign campaign = campaign(10);
		CampaignKeys keys = CampaignKeys.of(campaign.id());
		StoredCoupon one = stored("alice", 1);
		this.state.restore(campaign, List.of(one)).block(Duration.ofSeconds(5));
		// Redis then granted 2 to dave (not stored yet); PostgreSQL meanwhile holds 1, 3 and 5
		this.redis.<String, String>opsForHash().putAll(keys.settings(), Map.of("issued", "2", "seq", "2")).block();
		this.redis.<String, String>opsForHash().put(keys.grants(), "dave", UUID.randomUUID() + ":2:1").block();
		StoredCoupon three = stored("bob", 3);
		StoredCoupon five = stored("carol", 5);

		assertThat(this.state.restore(campaign, List.of(one, three, five)).block(Duration.ofSeconds(5))).isTrue();

		assertThat(settings(keys)).containsEntry("issued", "4").containsEntry("seq", "5");
		assertThat(this.redis.opsForList().range(keys.free(), 0, -1).collectList().block()).containsExactly("4");
		assertThat(this.redis.<String, String>opsForHash().get(keys.grants(), "dave").block()).endsWith(":2:1");
		assertThat(this.state.restore(campaign, List.of(one, three, five)).block(Duration.ofSeconds(5))).isFalse();
	}

	private Map<Object, Object> settings(CampaignKeys keys) {
		return this.redis.opsForHash().entries(keys.settings()).collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(Duration.ofSeconds(5));
	}

	private Campaign campaign(int total) {
		return new Campaign(Fixtures.uniqueId("state"), "state", total, 1, null, null, false);
	}

	private StoredCoupon stored(String user, int sequence) {
		return new StoredCoupon(UUID.randomUUID(), user, sequence, 1, this.at);
	}

}
