package dev.coupongateway.drills;

import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * The skeleton every fault drill shares, so a drill says only what is its own: the
 * servers and the usual fleet ({@link Fleet}), then {@link #spike}: the load on a
 * campaign, the fault (a lambda that fires the claims, injects the fault and waits for
 * the claims), {@link Convergence#check} from the moment the lambda returns, the
 * promises, and the drill's own checks last.
 */
final class Drill {

	/**
	 * The gateways' settings in the drills: a short ack timeout, so claims answer 202
	 * soon while Kafka is away, and a short relay grace, so the relay takes over
	 * unacknowledged grants soon.
	 */
	static final List<String> FAULT_SETTINGS = List.of("--coupon.kafka.ack-timeout=1s", "--coupon.relay.grace=2s");

	private Drill() {
	}

	/**
	 * The campaign's claims, {@code clients} at a time, through the scenario; then
	 * convergence and the promises (one coupon per user, as every drill's campaign
	 * gives), then the scenario's own checks. The load driver is closed last.
	 */
	static Convergence.Verdict spike(DrillStack stack, String campaign, int stock, int clients, Scenario scenario)
			throws Exception {
		try (LoadDriver load = new LoadDriver(campaign, clients)) {
			Outcome outcome = scenario.run(load);
			long end = System.nanoTime();
			Convergence.Verdict verdict = Convergence.check(stack, campaign, stock, 1, load, end, outcome.notes());
			verdict.assertPromisesHeld();
			outcome.then().verify(verdict);
			return verdict;
		}
	}

	/**
	 * Waits out a fixed window while claims keep running (an outage, a frozen process):
	 * the window is the point of the drill, not a wait for a condition.
	 */
	static void hold(String what, Duration window) {
		await(what).pollDelay(window).atMost(window.plusSeconds(1)).until(() -> true);
	}

	/** The usual fleet: one writer JVM and two gateway JVMs. */
	record Fleet(GatewayProcess writer, GatewayProcess a, GatewayProcess b) {

		/**
		 * Starts the servers, then the writer {@code writerName}, {@code gateway-a}, and
		 * {@code gateway-b} with {@code gatewayBArguments} on its command line.
		 */
		static Fleet start(DrillStack stack, String writerName, String... gatewayBArguments) {
			stack.startServers();
			GatewayProcess writer = stack.instance(writerName, "writer");
			GatewayProcess a = stack.instance("gateway-a", "gateway");
			GatewayProcess b = stack.instance("gateway-b", "gateway", gatewayBArguments);
			stack.start(writer, a, b);
			return new Fleet(writer, a, b);
		}

	}

	/**
	 * What happens while the claims run: fire them, inject the fault, wait for every
	 * claim's answer.
	 */
	@FunctionalInterface
	interface Scenario {

		Outcome run(LoadDriver load) throws Exception;

	}

	/** The drill's own checks, after the promises held. */
	@FunctionalInterface
	interface Check {

		void verify(Convergence.Verdict verdict) throws Exception;

	}

	/** The notes of the drill's results row, and its own checks. */
	record Outcome(String notes, Check then) {

		static Outcome notes(String notes) {
			return new Outcome(notes, (verdict) -> {
			});
		}

		Outcome then(Check check) {
			return new Outcome(this.notes, check);
		}

	}

}
