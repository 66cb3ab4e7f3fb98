package dev.coupongateway.drills;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drills 8 and 9: ordinary operations that combine faults, as an operator's bad night
 * goes. Each single fault holds on its own (the other drills); these check the promises
 * across restarts and instances.
 */
class RestartCombinationsDrill {

	/**
	 * Redis comes back behind PostgreSQL under a fleet that is restarted: a campaign of
	 * 3,000; 1,000 users granted; Redis' state of that moment kept (an RDB); 1,000 more
	 * granted and stored; the gateway stopped, Redis restarted from the older state (what
	 * an AOF or RDB behind PostgreSQL gives after a host crash), the gateway started
	 * again (a new JVM that never saw the restart); 2,000 new users. Every 201/202 must
	 * have its row: exactly the 1,000 coupons left are granted.
	 */
	@Test
	void redisBackBehindPostgresUnderARestartedFleet() throws Exception {
		int stock = 3_000;
		try (DrillStack stack = new DrillStack("RedisBehindPostgresDrill", List.of("--coupon.kafka.ack-timeout=1s"))) {
			stack.startServers();
			GatewayProcess writer = stack.instance("writer", "writer");
			GatewayProcess gateway = stack.instance("gateway", "gateway");
			stack.start(writer, gateway);
			String campaign = stack.createCampaign("redis-behind", stock, 1);
			Drill.spike(stack, campaign, stock, 32, (load) -> {
				load.fire(Drills.users("first", 1_000, 0, 21), stack.gatewayUris(), stack::gatewayUris)
					.await(Duration.ofMinutes(3));
				byte[] older = stack.redis.snapshot();
				Drills.log("Redis state kept aside (SAVE) at " + load.granted() + " granted");
				load.fire(Drills.users("second", 1_000, 0, 22), stack.gatewayUris(), stack::gatewayUris)
					.await(Duration.ofMinutes(3));
				await("2,000 rows").atMost(Duration.ofSeconds(60))
					.until(() -> PostgresStoppedDrill.storedRows(stack, campaign) == 2_000);
				gateway.terminate(Duration.ofSeconds(20));
				stack.redis.restartFrom(older);
				Drills.log("Gateway stopped; Redis restarted from the state of 1,000 grants, PostgreSQL holds 2,000");
				gateway.start();
				LoadDriver.Run third = load.fire(Drills.users("third", 2_000, 0, 23), stack.gatewayUris(),
						stack::gatewayUris);
				third.await(Duration.ofMinutes(4));
				return Drill.Outcome.notes(
						"1,000 granted, Redis saved; 1,000 more granted and stored; gateway stopped, Redis restarted "
								+ "from the saved state, a new gateway JVM started; 2,000 new users")
					.then((verdict) -> assertThat(verdict.granted()).as("201/202 answers for a stock of " + stock)
						.isEqualTo(stock));
			});
		}
	}

	/**
	 * An operator pauses a campaign through gateway A mid-spike; Redis is then restarted
	 * with its data gone while claims go on at both gateways; nothing is granted while it
	 * is paused (gateway B's copy of the campaign from before the pause must not reopen
	 * it through the rebuild); resumed through B, the rest is granted, every grant stored
	 * once.
	 */
	@Test
	void pausedThroughOneInstanceThenRedisRestartsUnderTwo() throws Exception {
		int stock = 1_000;
		try (DrillStack stack = new DrillStack("OperatorChangeRestartDrill",
				List.of("--coupon.kafka.ack-timeout=1s"))) {
			Drill.Fleet fleet = Drill.Fleet.start(stack, "writer");
			String campaign = stack.createCampaign("paused-restart", stock, 1);
			Drill.spike(stack, campaign, stock, 32, (load) -> {
				LoadDriver.Run first = load.fire(Drills.users("p", 800, 0, 31), stack.gatewayUris(),
						stack::gatewayUris);
				await("300 granted").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(10))
					.until(() -> load.granted() >= 300);
				stack.control(fleet.a(), campaign, "pause");
				first.await(Duration.ofMinutes(3));
				int grantedBeforeRestart = load.granted();
				stack.redis.kill();
				stack.redis.start();
				Drills.log("Redis restarted empty while paused, " + grantedBeforeRestart + " granted");
				LoadDriver.Run paused = load.fire(Drills.users("q", 400, 0, 32), stack.gatewayUris(),
						stack::gatewayUris);
				paused.await(Duration.ofMinutes(3));
				assertThat(load.granted()).as("grants while paused, after the restart").isEqualTo(grantedBeforeRestart);
				assertThat(load.answers()).filteredOn((answer) -> answer.userId().startsWith("q-"))
					.extracting(LoadDriver.Answer::status)
					.containsOnly(409);
				stack.control(fleet.b(), campaign, "resume");
				load.fire(Drills.users("r", 1_000, 0, 33), stack.gatewayUris(), stack::gatewayUris)
					.await(Duration.ofMinutes(3));
				return Drill.Outcome.notes("paused through gateway-a at " + grantedBeforeRestart
						+ " granted (claims at both); Redis restarted empty while paused; 400 claims all 409 PAUSED; "
						+ "resumed through gateway-b");
			});
		}
	}

}
