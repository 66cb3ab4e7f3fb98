package dev.coupongateway.drills;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

/**
 * Drill 5: Redis (no persistence) is killed once about 600 of 1,000 coupons are granted,
 * while claims are still coming and some grants are still on their way to PostgreSQL, and
 * started again empty. The gateways must rebuild each campaign from PostgreSQL plus what
 * is still in flight before granting again: no coupon number or user slot handed out
 * twice, no user getting a second coupon. Claims answered 503 meanwhile are retried after
 * {@code Retry-After}. Run twice: as is, and with the writer frozen so that many grants
 * are in flight (in Kafka, not in PostgreSQL) when Redis comes back empty.
 */
class RedisDataLostDrill {

	private static final int STOCK = 1_000;

	/**
	 * How long the writer stays frozen after Redis came back empty (in the in-flight
	 * variant).
	 */
	private static final Duration FROZEN_AFTER_RESTART = Duration.ofSeconds(5);

	@Test
	void redisRestartedWithItsDataGone() throws Exception {
		drill("RedisDataLostDrill", false);
	}

	/**
	 * The same with the writer JVM frozen (SIGSTOP) from 400 grants on, so about 200
	 * granted coupons are in Kafka but not in PostgreSQL when Redis comes back empty, and
	 * thawed 5 s later: the rebuild must count them too.
	 */
	@Test
	void redisRestartedWhileGrantsAreInFlight() throws Exception {
		drill("RedisDataLostDrill-inflight", true);
	}

	private void drill(String name, boolean freezeWriter) throws Exception {
		try (DrillStack stack = new DrillStack(name, Drill.FAULT_SETTINGS)) {
			GatewayProcess writer = Drill.Fleet.start(stack, "writer").writer();
			String campaign = stack.createCampaign("redis-lost", STOCK, 1);

			Drill.spike(stack, campaign, STOCK, 32, (load) -> {
				List<String> first = Drills.users("r", 800, 0, 5);
				LoadDriver.Run firstRun = load.fire(first, stack.gatewayUris(), stack::gatewayUris);
				if (freezeWriter) {
					await("400 granted").atMost(Duration.ofSeconds(120))
						.pollInterval(Duration.ofMillis(10))
						.until(() -> load.granted() >= 400);
					writer.stall();
					Drills.log("Writer frozen (SIGSTOP) at " + load.granted() + " granted");
				}
				await("about 600 granted").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(10))
					.until(() -> load.granted() >= 600);
				int grantedAtKill = load.granted();
				long rowsAtKill = PostgresStoppedDrill.storedRows(stack, campaign);
				stack.redis.kill();
				Drills.log("Redis SIGKILLed (no persistence): " + grantedAtKill + " granted, " + rowsAtKill
						+ " rows stored");
				stack.redis.start();
				// users of the first wave ask again (each must get its own coupon back,
				// not a second one),
				// and new users take the rest of the stock
				List<String> second = new ArrayList<>(Drills.users("r", 800, 0, 5).subList(0, 400));
				second.addAll(Drills.users("s", 1_200, 0, 6));
				Collections.shuffle(second, new Random(7));
				LoadDriver.Run secondRun = load.fire(second, stack.gatewayUris(), stack::gatewayUris);
				if (freezeWriter) {
					// the gateways may hold claims (503) until the in-flight grants are
					// stored: a deliberate
					// window with the writer still frozen, then it drains
					Drill.hold("writer frozen window", FROZEN_AFTER_RESTART);
					Drills.log("Writer thawed (SIGCONT) " + FROZEN_AFTER_RESTART.toSeconds()
							+ " s after the Redis restart; " + load.answered() + " claims answered, " + load.granted()
							+ " granted");
					writer.resume();
				}
				firstRun.await(Duration.ofMinutes(3));
				secondRun.await(Duration.ofMinutes(3));
				return Drill.Outcome
					.notes("Redis killed and restarted empty at " + grantedAtKill + " granted / " + rowsAtKill + " rows"
							+ (freezeWriter ? " (writer frozen from 400 granted until 5 s after the restart)" : "")
							+ "; then 400 repeat claims + 1,200 new users");
			});
		}
	}

}
