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
 * Drill 2: PostgreSQL is stopped while the writer is draining the spike into it, and
 * started again a few seconds later with its data. Claims do not need PostgreSQL and keep
 * being granted; the writer must hold its offsets, retry, and store everything once the
 * database is back.
 */
class PostgresStoppedDrill {

	private static final int STOCK = 2_000;

	/** The deliberate outage of PostgreSQL. */
	private static final Duration OUTAGE = Duration.ofSeconds(6);

	@Test
	void postgresStoppedWhileWriterDrains() throws Exception {
		try (DrillStack stack = new DrillStack("PostgresStoppedDrill", Drill.FAULT_SETTINGS)) {
			Drill.Fleet.start(stack, "writer");
			String campaign = stack.createCampaign("postgres-stopped", STOCK, 1);
			List<String> users = Drills.users("p", 3_000, 300, 2);

			Drill.spike(stack, campaign, STOCK, 48, (load) -> {
				LoadDriver.Run run = load.fire(users, stack.gatewayUris(), stack::gatewayUris);
				await("the writer storing").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(50))
					.until(() -> storedRows(stack, campaign) >= 300);
				long rowsAtStop = storedRows(stack, campaign);
				int grantedAtStop = load.granted();
				stack.postgres.stop();
				Drills.log("PostgreSQL stopped at " + rowsAtStop + " rows, " + grantedAtStop + " granted");
				Drill.hold("outage of " + OUTAGE, OUTAGE);
				int grantedWhileDown = load.granted() - grantedAtStop;
				stack.postgres.start();
				Drills.log("PostgreSQL back; " + grantedWhileDown + " granted while it was down");
				run.await(Duration.ofMinutes(4));
				return Drill.Outcome
					.notes("PostgreSQL stopped at " + rowsAtStop + " rows for " + OUTAGE.toSeconds() + " s, "
							+ grantedWhileDown + " granted meanwhile")
					// claims need neither Kafka nor PostgreSQL to be decided: the spike
					// went on during the outage
					.then((verdict) -> assertThat(grantedWhileDown).as("claims granted while PostgreSQL was down")
						.isPositive());
			});
		}
	}

	static long storedRows(DrillStack stack, String campaign) throws Exception {
		try (Connection connection = stack.postgres.connect();
				PreparedStatement count = connection
					.prepareStatement("SELECT count(*) FROM coupon WHERE campaign_id = ?")) {
			count.setString(1, campaign);
			try (ResultSet result = count.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

}
