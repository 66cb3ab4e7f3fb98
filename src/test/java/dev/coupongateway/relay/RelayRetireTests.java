package dev.coupongateway.relay;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayOnOwnRedis;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignRebuilds;
import dev.coupongateway.system.LuaScripts;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the relay retires a campaign (stops looking at its outboxes): only once no grant
 * can land in it any more, as Redis decides claims, and every outbox is empty. Each test
 * drives its own instance's relay pass by pass, on a Redis of its own.
 */
@CouponGatewayTest
class RelayRetireTests {

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> claim = LuaScripts.of("issue.lua", List.class);

	private static final RedisScript<Long> redisTime = RedisScript.of(
			"local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
			Long.class);

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private CampaignService campaigns;

	@Autowired
	private ConnectionFactory connections;

	@Autowired
	private DatabaseClient db;

	@Test
	void whenTheLastGrantLandsWhileAPassDecidesThenTheCampaignIsNotRetiredBeforeItsEventIsSent() throws Exception {
		try (GatewayOnOwnRedis instance = new GatewayOnOwnRedis("coupon.relay.interval=1h", "coupon.relay.grace=0s",
				"spring.r2dbc.properties.applicationName=relay-race")) {
			// created elsewhere, so the instance under test has not read the campaign
			// from PostgreSQL yet
			String id = this.fixtures.campaign(1);
			Campaign campaign = this.campaigns.find(id).block(Duration.ofSeconds(10));
			instance.context.getBean(CampaignRebuilds.class).initialize(campaign).block(Duration.ofSeconds(10));
			OutboxRelay relay = instance.context.getBean(OutboxRelay.class);
			ReactiveStringRedisTemplate redis = instance.context.getBean(ReactiveStringRedisTemplate.class);
			// a pass that reads PostgreSQL between its reads of Redis is held there
			Connection lock = Mono.from(this.connections.create()).block(Duration.ofSeconds(10));
			Mono.from(lock.beginTransaction()).block(Duration.ofSeconds(10));
			Flux.from(lock.createStatement("LOCK TABLE campaign IN ACCESS EXCLUSIVE MODE").execute())
				.flatMap((result) -> result.getRowsUpdated())
				.blockLast(Duration.ofSeconds(10));
			CompletableFuture<Void> pass;
			try {
				pass = relay.run().toFuture();
				await().atMost(Duration.ofSeconds(20)).until(() -> pass.isDone() || waitsOnLock("relay-race"));
				// the last coupon is granted now; its instance dies before sending the
				// event
				UUID couponId = UUID.randomUUID();
				List<?> granted = redis
					.execute(claim, CampaignKeys.of(id).claimKeys("last", "192.0.2.1"),
							List.of("last", couponId.toString(), "0", "0", "0", "0"))
					.next()
					.block(Duration.ofSeconds(5));
				assertThat(granted.get(0)).isEqualTo(1L);
				Mono.from(lock.commitTransaction()).block(Duration.ofSeconds(10));
				pass.get();
				await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
					relay.run().block(Duration.ofSeconds(30));
					assertThat(this.fixtures.storedCouponIds(id)).contains(couponId);
				});
			}
			finally {
				Mono.from(lock.close()).block(Duration.ofSeconds(10));
			}
			// sent and settled, sold out: now it is retired
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				relay.run().block(Duration.ofSeconds(30));
				return !watched(redis, id);
			});
		}
	}

	@Test
	void whenTheGatewayClockSaysEndedButRedisStillGrantsThenTheCampaignIsNotRetired() {
		try (GatewayOnOwnRedis instance = new GatewayOnOwnRedis("spring.main.sources=" + AheadClock.class.getName(),
				"coupon.relay.interval=1h", "coupon.relay.grace=0s")) {
			assertThat(instance.context.getBean(Clock.class).millis()).isGreaterThan(System.currentTimeMillis());
			OutboxRelay relay = instance.context.getBean(OutboxRelay.class);
			ReactiveStringRedisTemplate redis = instance.context.getBean(ReactiveStringRedisTemplate.class);
			String id = instance.fixtures.campaign(5);
			CampaignKeys keys = CampaignKeys.of(id);
			long now = redis.execute(redisTime).next().block(Duration.ofSeconds(5));
			// ends in ten minutes by Redis' clock: already over by the gateway's
			redis.opsForHash().put(keys.settings(), "ends", Long.toString(now + 600_000)).block(Duration.ofSeconds(5));
			relay.run().block(Duration.ofSeconds(30));
			assertThat(watched(redis, id)).isTrue();
			// for Redis decides the claims, and still grants
			UUID couponId = UUID.randomUUID();
			List<?> granted = redis
				.execute(claim, keys.claimKeys("late", "192.0.2.1"),
						List.of("late", couponId.toString(), "0", "0", "0", "0"))
				.next()
				.block(Duration.ofSeconds(5));
			assertThat(granted.get(0)).isEqualTo(1L);
			// ended by Redis' clock too: retired once the grant is sent and settled
			redis.opsForHash().put(keys.settings(), "ends", Long.toString(now)).block(Duration.ofSeconds(5));
			await().atMost(Duration.ofSeconds(60)).until(() -> {
				relay.run().block(Duration.ofSeconds(30));
				return !watched(redis, id);
			});
			await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedCouponIds(id).contains(couponId));
		}
	}

	private boolean waitsOnLock(String application) {
		return this.db.sql(
				"SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = :app AND wait_event_type = 'Lock'")
			.bind("app", application)
			.map((row) -> row.get("n", Long.class))
			.one()
			.block(Duration.ofSeconds(5)) > 0;
	}

	private static boolean watched(ReactiveStringRedisTemplate redis, String campaign) {
		return redis.opsForSet().isMember(CampaignKeys.ALL_CAMPAIGNS, campaign).block(Duration.ofSeconds(5));
	}

}
