package dev.coupongateway.drills;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The start-up bench ({@code bench/start-up.sh}): on this one machine, real Redis,
 * PostgreSQL and Kafka processes, and the gateway (gateway and writer in one JVM, as
 * {@code docker/Dockerfile} runs it: the extracted jar, {@code java -jar app.jar})
 * launched again and again, timed from launch until {@code /actuator/health/readiness}
 * answers 200 (started, claim path warm): on JDK 17 plain and with a CDS archive, on JDK
 * 25 plain and with an AOT cache, both made by {@code docker/start-warm.sh} as the image
 * makes them. Launches one at a time, the four kinds taken in turn each round. Writes a
 * markdown table.
 */
public final class StartUpBench {

	private final int runs = intEnv("RUNS", 3);

	private final String java17 = KafkaBroker.javaBinary();

	private final String java25 = env("JAVA25", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

	/**
	 * As the image's JAVA_TOOL_OPTIONS, with a fixed heap: the same at training and run.
	 */
	private final List<String> gatewayJvm = List.of(env("GATEWAY_JVM", "-Xms512m -Xmx512m -XX:+UseG1GC").split(" "));

	public static void main(String[] args) throws Exception {
		new StartUpBench().run();
		System.exit(0);
	}

	private void run() throws Exception {
		try (DrillStack stack = new DrillStack("StartUpBench", List.of("--logging.level.root=WARN"))) {
			Path app = stack.dir.resolve("app");
			startWarm(stack.dir, this.java17, "extract", stack.dir.resolve("coupon-gateway.jar").toString(),
					stack.dir.resolve("layers").toString());
			for (String layer : List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
				copyInto(stack.dir.resolve("layers").resolve(layer), app);
			}
			long cds = startWarm(stack.dir, this.java17, "train", app.toString());
			long aot = startWarm(stack.dir, this.java25, "train", app.toString());
			stack.startServers();

			Map<String, Kind> kinds = new LinkedHashMap<>();
			kinds.put("JDK 17", new Kind(this.java17, List.of()));
			kinds.put("JDK 17 + CDS archive (`-XX:SharedArchiveFile=app.jsa`)",
					new Kind(this.java17, List.of("-XX:SharedArchiveFile=app.jsa")));
			kinds.put("JDK 25", new Kind(this.java25, List.of()));
			kinds.put("JDK 25 + AOT cache (`-XX:AOTCache=app.aot`)",
					new Kind(this.java25, List.of("-XX:AOTCache=app.aot")));
			Map<String, List<Double>> seconds = new LinkedHashMap<>();
			int launch = 0;
			for (int run = 1; run <= this.runs; run++) {
				for (Map.Entry<String, Kind> kind : kinds.entrySet()) {
					List<String> jvm = new ArrayList<>(this.gatewayJvm);
					jvm.addAll(kind.getValue().options());
					// in app/, as the image runs it: the archives hold the classpath as
					// the training named it (app.jar, relative)
					GatewayProcess gateway = stack.nextFrom(Path.of("app.jar"))
						.instance("launch-" + (++launch), "gateway,writer",
								"--coupon.issue.warmup-requests=" + env("WARMUP_REQUESTS", "2000"))
						.javaBinary(kind.getValue().java())
						.directory(app)
						.jvm(jvm);
					double took = launchToReady(gateway);
					Drills.log("run " + run + " " + kind.getKey() + ": ready " + String.format("%.1f", took)
							+ " s after launch");
					seconds.computeIfAbsent(kind.getKey(), (k) -> new ArrayList<>()).add(took);
					gateway.terminate(Duration.ofSeconds(30));
				}
			}
			report(seconds, cds, aot);
		}
	}

	/** Seconds from launch until the readiness probe answers 200. */
	private static double launchToReady(GatewayProcess gateway) {
		long launched = System.nanoTime();
		gateway.launch();
		while (readiness(gateway) != 200) {
			if (!gateway.alive()) {
				throw new IllegalStateException(gateway.name() + " exited: " + Drills.tail(gateway.log(), 40));
			}
			if (System.nanoTime() - launched > Duration.ofSeconds(180).toNanos()) {
				throw new IllegalStateException(gateway.name() + " not ready: " + Drills.tail(gateway.log(), 40));
			}
			Drills.sleep(50);
		}
		return (System.nanoTime() - launched) / 1e9;
	}

	private static int readiness(GatewayProcess gateway) {
		return gateway.status("/actuator/health/readiness");
	}

	/**
	 * {@code docker/start-warm.sh} with this {@code java} and the gateway's JVM options
	 * (as JAVA_TOOL_OPTIONS, as in the image); milliseconds it took.
	 */
	private long startWarm(Path dir, String java, String... args) throws Exception {
		List<String> command = new ArrayList<>(
				List.of(Drills.projectDir().resolve("docker").resolve("start-warm.sh").toString()));
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("start-warm.log").toFile()));
		builder.environment().put("JAVA", java);
		builder.environment().put("JAVA_TOOL_OPTIONS", String.join(" ", this.gatewayJvm));
		long started = System.nanoTime();
		Process process = Drills.track(builder.start());
		if (process.waitFor() != 0) {
			throw new IllegalStateException("start-warm.sh " + String.join(" ", args) + " failed: "
					+ Drills.tail(dir.resolve("start-warm.log"), 40));
		}
		long millis = (System.nanoTime() - started) / 1_000_000;
		Drills.log("start-warm.sh " + String.join(" ", args) + " with " + java + ": " + millis + " ms");
		return millis;
	}

	private static void copyInto(Path from, Path to) throws Exception {
		Drills.createDirectories(to);
		Process copy = new ProcessBuilder("cp", "-a", from + "/.", to.toString()).inheritIO().start();
		if (copy.waitFor() != 0) {
			throw new IllegalStateException("cp " + from + " failed");
		}
	}

	private void report(Map<String, List<Double>> seconds, long cds, long aot) {
		StringBuilder out = new StringBuilder();
		out.append("# Start-up: launch to ready\n\n");
		out.append("Command: `bench/start-up.sh` (" + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
				+ " cores). The gateway with its writer in one JVM, `java " + String.join(" ", this.gatewayJvm)
				+ " -jar app.jar` in the extracted jar, against real Redis, PostgreSQL and Kafka; launch until "
				+ "`/actuator/health/readiness` answers 200 (claim-path warm-up of " + env("WARMUP_REQUESTS", "2000")
				+ " requests included); median of " + this.runs
				+ " launches, one at a time, the kinds in turn. Training runs (`docker/start-warm.sh train`, "
				+ "with its check): "
				+ String.format("%.0f s (JDK 17, CDS), %.0f s (JDK 25, AOT cache)", cds / 1e3, aot / 1e3) + ".\n\n");
		out.append("| JVM | ready after launch, s (median) | launches, s | against JDK 17 |\n|---|---|---|---|\n");
		double base = median(seconds.values().iterator().next());
		for (Map.Entry<String, List<Double>> entry : seconds.entrySet()) {
			double median = median(entry.getValue());
			out.append(String.format("| %s | %.1f | %s | %+.1f s |%n", entry.getKey(), median,
					entry.getValue().stream().map((s) -> String.format("%.1f", s)).toList(), median - base));
		}
		Path file = Drills.root().resolve("start-up.md");
		Drills.write(file, out.toString());
		System.out.println(out);
		Drills.log("Report written to " + file);
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		return sorted.get(sorted.size() / 2);
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

	private static int intEnv(String name, int fallback) {
		return Integer.parseInt(env(name, Integer.toString(fallback)));
	}

	/** One way to launch: which {@code java}, which extra options. */
	private record Kind(String java, List<String> options) {
	}

}
