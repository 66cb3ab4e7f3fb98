package dev.coupongateway.drills;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drill 3: a gateway instance dies with grants it could not hand to Kafka. The broker is
 * frozen (SIGSTOP) so sends hang; claims go to instance A, which grants in Redis and
 * answers 202 after the ack timeout, its events still in its producer's buffer; A is
 * SIGKILLed, then the broker thawed (SIGCONT). Only the outbox in Redis knows those
 * grants now: instance B's relay must deliver them. Claims A never answered are retried
 * at B, which answers {@code ALREADY_ISSUED} with the coupon when A had granted one.
 */
class GatewayKilledDrill {

	private static final int STOCK = 1_000;

	@Test
	void gatewayKilledWithPendingSends() throws Exception {
		try (DrillStack stack = new DrillStack("GatewayKilledDrill", Drill.FAULT_SETTINGS)) {
			// gateway-b logs as operators who ship logs set it: one JSON object a line
			// (Boot's ECS format)
			Drill.Fleet fleet = Drill.Fleet.start(stack, "writer", "--logging.structured.format.console=ecs");
			GatewayProcess a = fleet.a();
			String campaign = stack.createCampaign("gateway-killed", STOCK, 1);

			Drill.spike(stack, campaign, STOCK, 48, (load) -> {
				// a first wave through both instances with the broker healthy
				load.fire(Drills.users("g0", 100, 0, 8), stack.gatewayUris(), stack::gatewayUris)
					.await(Duration.ofMinutes(2));
				stack.kafka.stall();
				Drills.log("Broker frozen (SIGSTOP); claims to gateway-a only");
				LoadDriver.Run run = load.fire(Drills.users("g1", 600, 0, 9), List.of(a.baseUri()), stack::gatewayUris);
				await("gateway-a answering 202s").atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(20))
					.until(() -> load.statusCounts().getOrDefault(202, 0) >= 300);
				int pendingAtKill = load.statusCounts().getOrDefault(202, 0);
				a.kill();
				Drills.log("gateway-a SIGKILLed with " + pendingAtKill + " claims answered 202");
				stack.kafka.resume();
				Drills.log("Broker thawed (SIGCONT)");
				run.await(Duration.ofMinutes(4));
				return Drill.Outcome.notes("broker frozen, gateway-a SIGKILLed after " + pendingAtKill
						+ " answers 202, broker thawed; the rest retried at gateway-b");
			});
			assertEveryLineIsJson(fleet.b());
		}
	}

	/**
	 * What the application logged (not the JVM's own warnings) is JSON, with the fields a
	 * shipper reads.
	 */
	private static void assertEveryLineIsJson(GatewayProcess gateway) throws Exception {
		JsonMapper json = JsonMapper.builder().build();
		List<String> lines = Files.readAllLines(gateway.log());
		assertThat(lines).as("plain-text log lines of " + gateway.name())
			.noneMatch((line) -> line.matches("^\\d{4}-\\d{2}-\\d{2}T.*"));
		List<JsonNode> events = lines.stream().filter((line) -> line.startsWith("{")).map(json::readTree).toList();
		assertThat(events).hasSizeGreaterThan(5)
			.allSatisfy((event) -> assertThat(event.has("@timestamp") && event.has("message")
					&& (event.has("log.level") || event.path("log").has("level")))
				.as(event.toString())
				.isTrue());
		assertThat(events).anySatisfy((event) -> assertThat(event.get("message").asString()).startsWith("Started"));
	}

}
