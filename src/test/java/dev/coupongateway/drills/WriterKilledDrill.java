package dev.coupongateway.drills;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

/**
 * Drill 4: the writer JVM is SIGKILLed while it is storing batches (some rows in, offsets
 * of the batch in progress not committed), and a new writer JVM takes over the consumer
 * group. Re-delivered records must store once (idempotent on {@code coupon_id}), none may
 * be skipped.
 */
class WriterKilledDrill {

	private static final int STOCK = 2_000;

	@Test
	void writerKilledMidBatch() throws Exception {
		try (DrillStack stack = new DrillStack("WriterKilledDrill", Drill.FAULT_SETTINGS)) {
			Drill.Fleet fleet = Drill.Fleet.start(stack, "writer-1");
			String campaign = stack.createCampaign("writer-killed", STOCK, 1);
			List<String> users = Drills.users("w", 4_000, 400, 4);

			Drill.spike(stack, campaign, STOCK, 48, (load) -> {
				LoadDriver.Run run = load.fire(users, stack.gatewayUris(), stack::gatewayUris);
				await("the writer storing").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(20))
					.until(() -> PostgresStoppedDrill.storedRows(stack, campaign) >= 400);
				long rowsAtKill = PostgresStoppedDrill.storedRows(stack, campaign);
				int grantedAtKill = load.granted();
				fleet.writer().kill();
				Drills.log("Writer SIGKILLed at " + rowsAtKill + " rows, " + grantedAtKill + " granted");
				GatewayProcess replacement = stack.instance("writer-2", "writer");
				stack.start(replacement);
				run.await(Duration.ofMinutes(4));
				return Drill.Outcome.notes("writer SIGKILLed at " + rowsAtKill + " rows / " + grantedAtKill
						+ " granted, new writer started at once");
			});
		}
	}

}
