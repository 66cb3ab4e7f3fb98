package dev.coupongateway.drills;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drill 2: PostgreSQL is stopped while the writer is draining the spike into it, and started again a few
 * seconds later with its data. Claims do not need PostgreSQL and keep being granted; the writer must hold
 * its offsets, retry, and store everything once the database is back.
 */
class PostgresStoppedDrill {

	private static final int STOCK = 2_000;

	/** The deliberate outage of PostgreSQL. */
	private static final Duration OUTAGE = Duration.ofSeconds(6);

	@Test
	void postgresStoppedWhileWriterDrains() throws Exception {
		try (DrillStack stack = new DrillStack("PostgresStoppedDrill",
				List.of("--coupon.kafka.ack-timeout=1s", "--coupon.relay.grace=2s"))) {
			stack.startServers();
			GatewayProcess writer = stack.instance("writer", "writer");
			GatewayProcess a = stack.instance("gateway-a", "gateway");
			GatewayProcess b = stack.instance("gateway-b", "gateway");
			stack.start(writer, a, b);
			String campaign = stack.createCampaign("postgres-stopped", STOCK, 1);
			List<String> users = Drills.users("p", 3_000, 300, 2);

			try (LoadDriver load = new LoadDriver(campaign, 48)) {
				LoadDriver.Run run = load.fire(users, stack.gatewayUris(), stack::gatewayUris);
				await("the writer storing").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(50))
					.until(() -> storedRows(stack, campaign) >= 300);
				long rowsAtStop = storedRows(stack, campaign);
				int grantedAtStop = load.granted();
				stack.postgres.stop();
				Drills.log("PostgreSQL stopped at " + rowsAtStop + " rows, " + grantedAtStop + " granted");
				await("outage of " + OUTAGE).pollDelay(OUTAGE).atMost(OUTAGE.plusSeconds(1)).until(() -> true);
				int grantedWhileDown = load.granted() - grantedAtStop;
				stack.postgres.start();
				Drills.log("PostgreSQL back; " + grantedWhileDown + " granted while it was down");
				run.await(Duration.ofMinutes(4));
				long end = System.nanoTime();
				Convergence.Verdict verdict = Convergence.check(stack, campaign, STOCK, 1, load, end,
						"PostgreSQL stopped at " + rowsAtStop + " rows for " + OUTAGE.toSeconds() + " s, "
								+ grantedWhileDown + " granted meanwhile");
				verdict.assertPromisesHeld();
				// claims need neither Kafka nor PostgreSQL to be decided: the spike went on during the outage
				assertThat(grantedWhileDown).as("claims granted while PostgreSQL was down").isPositive();
			}
		}
	}

	static long storedRows(DrillStack stack, String campaign) throws Exception {
		try (Connection connection = stack.postgres.connect();
				PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM coupon WHERE campaign_id = ?")) {
			count.setString(1, campaign);
			try (ResultSet result = count.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

}
