package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code restore.lua} against a real Redis: a full rebuild, and a merge into state that
 * is behind.
 */
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
		assertThat(restore(campaign, one, two, five)).isTrue();

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
		restore(campaign, one);
		// Redis then granted 2 to dave (not stored yet); PostgreSQL meanwhile holds 1, 3
		// and 5
		this.redis.<String, String>opsForHash().putAll(keys.settings(), Map.of("issued", "2", "seq", "2")).block();
		this.redis.<String, String>opsForHash().put(keys.grants(), "dave", UUID.randomUUID() + ":2:1").block();
		StoredCoupon three = stored("bob", 3);
		StoredCoupon five = stored("carol", 5);

		assertThat(restore(campaign, one, three, five)).isTrue();

		assertThat(settings(keys)).containsEntry("issued", "4").containsEntry("seq", "5");
		assertThat(this.redis.opsForList().range(keys.free(), 0, -1).collectList().block()).containsExactly("4");
		assertThat(this.redis.<String, String>opsForHash().get(keys.grants(), "dave").block()).endsWith(":2:1");
		assertThat(restore(campaign, one, three, five)).isFalse();
	}

	@Test
	void whenRedisIsBehindThenANumberItFreedThatAStoredCouponTookLeavesTheFreeList() {
		Campaign campaign = campaign(5);
		CampaignKeys keys = CampaignKeys.of(campaign.id());
		StoredCoupon one = stored("alice", 1);
		StoredCoupon three = stored("carol", 3);
		// Redis' old state: 1 and 3 granted, 2 given back to the stock (a grant lost with
		// an earlier crash)
		restore(campaign, one, three);
		assertThat(this.redis.opsForList().range(keys.free(), 0, -1).collectList().block()).containsExactly("2");
		// since that state was saved, bob took 2 and it was stored; Redis came back from
		// the old state
		StoredCoupon two = stored("bob", 2);

		assertThat(restore(campaign, one, two, three)).isTrue();

		assertThat(this.redis.opsForList().range(keys.free(), 0, -1).collectList().block()).isEmpty();
		assertThat(settings(keys)).containsEntry("issued", "3").containsEntry("seq", "3");
	}

	@Test
	void whenACheckIsCutShortAndRunAgainThenNoNumberIsFreedTwice() {
		Campaign campaign = campaign(6);
		CampaignKeys keys = CampaignKeys.of(campaign.id());
		String token = this.state.lease(campaign.id(), Duration.ofSeconds(10)).block(Duration.ofSeconds(5));
		// a first attempt staged its gaps and died before finishing; the lease lapsed
		var script = dev.coupongateway.system.LuaScripts.of("restore.lua", Long.class);
		List<String> keysOfScript = keys.restoreKeys();
		for (List<String> step : List.of(List.of("begin", token, "10000", "6", "1"),
				List.of("grants", token, "10000", "alice", new Grant(UUID.randomUUID(), 5, 1, this.at).encode()),
				List.of("gaps", token, "10000", "1", "2", "3", "4"))) {
			assertThat(this.redis.execute(script, keysOfScript, step).next().block(Duration.ofSeconds(5)))
				.isNotNegative();
		}
		this.state.release(campaign.id(), token).block(Duration.ofSeconds(5));

		restore(campaign, stored("alice", 5));
		restore(campaign, stored("alice", 5));

		assertThat(this.redis.opsForList().range(keys.free(), 0, -1).collectList().block()).containsExactly("1", "2",
				"3", "4");
	}

	@Test
	void whenTheLeaseIsTakenOverThenTheCheckStopsWritingNothingMore() {
		Campaign campaign = campaign(6);
		String token = this.state.lease(campaign.id(), Duration.ofSeconds(10)).block(Duration.ofSeconds(5));
		this.redis.opsForValue().set(CampaignKeys.of(campaign.id()).rebuildLease(), "someone-else").block();

		Assertions
			.assertThatThrownBy(
					() -> this.state.restore(campaign, Flux.just(stored("alice", 1)), token, Duration.ofSeconds(10))
						.block(Duration.ofSeconds(5)))
			.isInstanceOf(CampaignState.LeaseLost.class);
		assertThat(this.redis.hasKey(CampaignKeys.of(campaign.id()).settings()).block()).isFalse();
	}

	/** A whole check under the campaign's lease, as a rebuild runs it. */
	private boolean restore(Campaign campaign, StoredCoupon... stored) {
		String token = this.state.lease(campaign.id(), Duration.ofSeconds(10)).block(Duration.ofSeconds(5));
		try {
			return this.state.restore(campaign, Flux.just(stored), token, Duration.ofSeconds(10))
				.block(Duration.ofSeconds(5));
		}
		finally {
			this.state.release(campaign.id(), token).block(Duration.ofSeconds(5));
		}
	}

	private Map<Object, Object> settings(CampaignKeys keys) {
		return this.redis.opsForHash()
			.entries(keys.settings())
			.collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(Duration.ofSeconds(5));
	}

	private Campaign campaign(int total) {
		return Fixtures.newCampaign(Fixtures.uniqueId("state"), "state", total, 1);
	}

	private StoredCoupon stored(String user, int sequence) {
		return new StoredCoupon(UUID.randomUUID(), user, sequence, 1, this.at);
	}

}
