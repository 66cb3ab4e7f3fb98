package dev.coupongateway.drills;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drill 1: the Kafka broker is SIGKILLed in the middle of the spike and comes back about
 * 5 s later (same ports, same log directory). Claims keep coming the whole time; while
 * the broker is away they answer 202 after the ack timeout and their grants wait in the
 * producers (and the outbox, where there is one). Two gateway JVMs, one writer JVM.
 */
class KafkaKilledDrill {

	private static final int STOCK = 2_000;

	/**
	 * The deliberate outage: how long the broker stays dead before it is started again.
	 */
	private static final Duration OUTAGE = Duration.ofSeconds(5);

	@Test
	void brokerKilledMidSpike() throws Exception {
		try (DrillStack stack = new DrillStack("KafkaKilledDrill", Drill.FAULT_SETTINGS)) {
			Drill.Fleet.start(stack, "writer");
			String campaign = stack.createCampaign("kafka-killed", STOCK, 1);
			List<String> users = Drills.users("k", 5_400, 600, 1);

			Drill.spike(stack, campaign, STOCK, 48, (load) -> {
				LoadDriver.Run run = load.fire(users, stack.gatewayUris(), stack::gatewayUris);
				await("a third of the stock granted").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(20))
					.until(() -> load.granted() >= STOCK / 3);
				int grantedAtKill = load.granted();
				long killedAt = System.nanoTime();
				stack.kafka.kill();
				Drills.log("Broker SIGKILLed: " + load.answered() + " claims answered, " + grantedAtKill + " granted");
				// the outage itself is the point of the drill: a fixed window, claims
				// running all along
				Drill.hold("outage of " + OUTAGE, OUTAGE);
				int grantedWhileDown = load.granted() - grantedAtKill;
				stack.kafka.start();
				double down = (System.nanoTime() - killedAt) / 1e9;
				Drills.log("Broker back after " + String.format("%.1f", down) + " s; " + grantedWhileDown
						+ " granted while it was down");
				run.await(Duration.ofMinutes(4));
				return Drill.Outcome
					.notes("broker SIGKILLed at " + grantedAtKill + " granted, down " + String.format("%.1f", down)
							+ " s, " + grantedWhileDown + " granted meanwhile")
					// claims need neither Kafka nor PostgreSQL to be decided: the spike
					// went on during the outage
					.then((verdict) -> assertThat(grantedWhileDown).as("claims granted while the broker was down")
						.isPositive());
			});
		}
	}

}
