package dev.coupongateway.drills;

import java.io.IOException;
import java.io.StringReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.coupongateway.Tokens;
import dev.coupongateway.system.Paths;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The spike-speed benchmark ({@code bench/spike-speed.sh}): on this one machine, real
 * Redis, PostgreSQL and Kafka processes, the packaged gateway (with its writer in the
 * same JVM and without, in header mode and in jwt mode, and other builds given in
 * {@code JARS}), and a minimal WebFlux app as the ceiling; each warmed up, then the same
 * wrk command against each, side by side, run after run: the ceiling, grants while stock
 * lasts, sold-out answers and duplicate claims. Then fresh instances' first seconds, the
 * k6 spike on a fresh instance and a warm one, and the writer's drain of queued events
 * against PostgreSQL's own {@code COPY} of the same rows into the same table. Writes a
 * markdown report.
 */
public final class SpikeSpeedBench {

	private static final String CEILING = "no-op ceiling (`POST /noop`)";

	private static final String GRANTS_COMBINED = "grants, gateway + writer in one JVM";

	private static final String GRANTS_ONLY = "grants, gateway only (writer in the other JVM)";

	private static final String SOLD_OUT = "sold-out (all 410)";

	private static final String DUPLICATES = "duplicates: 100 users again and again (all 409)";

	private static final String JWT = ", jwt";

	private final int runs = intEnv("RUNS", 3);

	private final String duration = env("DURATION", "15s");

	private final int connections = intEnv("CONNECTIONS", 64);

	private final String warmup = env("WARMUP", "30s");

	private final int drainEvents = intEnv("DRAIN_EVENTS", 200_000);

	private final String warmupRequests = env("WARMUP_REQUESTS", "2000");

	private final int maxTokens = intEnv("MAX_TOKENS", 600_000);

	private final List<String> gatewayJvm = List.of(env("GATEWAY_JVM", "-Xms512m -Xmx512m").split(" "));

	/**
	 * The parts to run: http (the side-by-side rows), cold (fresh instances), k6 (the
	 * spike), drain (the writer against COPY). ONLY= alone runs only http.
	 */
	private final Set<String> parts = Set
		.of(env("PARTS", env("ONLY", "").isEmpty() ? "http,cold,k6,drain" : "http").split(","));

	private final StringBuilder report = new StringBuilder();

	private Profiles profiles;

	private Path tokens;

	/** Cores each process used during run 1 of each row. */
	private final Map<String, String> cpu = new LinkedHashMap<>();

	/**
	 * requests/s of each instance's warm-up: the guess for the tokens a jwt twin needs.
	 */
	private final Map<OsProcess, Long> warmupRates = new HashMap<>();

	public static void main(String[] args) throws Exception {
		new SpikeSpeedBench().run();
		System.exit(0);
	}

	private void run() throws Exception {
		try (DrillStack stack = new DrillStack("SpikeSpeedBench", List.of("--logging.level.root=WARN"))) {
			stack.startServers();
			this.tokens = Drills.createDirectories(stack.dir.resolve("tokens"));
			this.profiles = new Profiles(env("PROFILE", ""),
					Path.of(env("ASYNC_PROFILER_LIB", "target/async-profiler/libasyncProfiler.so")).toAbsolutePath(),
					stack.dir.resolve("profiles"));
			Map<String, List<Wrk.Result>> results = new LinkedHashMap<>();
			GatewayProcess admin = null;
			if (this.parts.contains("http")) {
				admin = sideBySide(stack, results);
			}
			if (this.parts.contains("cold")) {
				coldStarts(stack, results);
			}
			if (this.parts.contains("k6")) {
				k6Spike(stack);
			}
			if (this.parts.contains("drain")) {
				if (admin == null) {
					admin = stack.instance("gateway-only", "gateway").jvm(this.gatewayJvm);
					stack.start(admin);
				}
				drain(stack, admin);
			}
		}
		Path out = Drills.root().resolve("spike-speed.md");
		Drills.write(out, this.report.toString());
		System.out.println(this.report);
		Drills.log("Report written to " + out);
	}

	/**
	 * The rows side by side: every instance warmed up, then each row's wrk run in turn,
	 * run after run. Leaves one gateway-only instance running (the admin of the parts
	 * after), stops the others.
	 */
	private GatewayProcess sideBySide(DrillStack stack, Map<String, List<Wrk.Result>> results) throws Exception {
		String warmup = "--coupon.issue.warmup-requests=" + this.warmupRequests;
		GatewayProcess combined = stack.instance("gateway-writer", "gateway,writer", warmup).jvm(this.gatewayJvm);
		GatewayProcess gatewayOnly = stack.instance("gateway-only", "gateway", warmup).jvm(this.gatewayJvm);
		GatewayProcess redisAck = stack.instance("gateway-redis-ack", "gateway", warmup, "--coupon.issue.ack=redis")
			.jvm(this.gatewayJvm);
		// rate limits on, set so that they never limit: what checking and recording
		// them costs a claim
		GatewayProcess limits = stack
			.instance("gateway-limits", "gateway", warmup, "--coupon.limits.user-interval=1ms",
					"--coupon.limits.address-interval=1ms", "--coupon.limits.address-burst=1000000000")
			.jvm(this.gatewayJvm);
		// jwt mode, the same pair: its own topic and writer group, so that each writer
		// writes its own mode's grants (in one consumer group the two writers would split
		// both modes' partitions between them)
		GatewayProcess jwtCombined = stack.instance("jwt-gateway-writer", "gateway,writer", jwt(warmup))
			.jvm(this.gatewayJvm);
		GatewayProcess jwtOnly = stack.instance("jwt-gateway-only", "gateway", jwt(warmup)).jvm(this.gatewayJvm);
		NoopProcess noop = new NoopProcess(stack.dir);
		// JARS (and BASELINE_JAR): other builds of the gateway (say, the commits of a
		// series), each in the gateway role beside the others, measured in the same runs
		// on grants, sold-out and duplicate answers; the writer of this build stores
		// their grants
		Map<String, GatewayProcess> jars = new LinkedHashMap<>();
		jars().forEach((label, jar) -> jars.put(label, stack.nextFrom(jar)
			// builds before Kafka took Boot's spring.kafka.* keys read
			// coupon.kafka.bootstrap-servers
			.instance("jar-" + label.replaceAll("[^A-Za-z0-9._-]", "_"), "gateway", warmup,
					"--coupon.kafka.bootstrap-servers=" + stack.kafka.bootstrapServers())
			.jvm(this.gatewayJvm)));

		Map<OsProcess, String> grantsOf = new LinkedHashMap<>();
		grantsOf.put(noop, null);
		grantsOf.put(combined, "bench-grants");
		grantsOf.put(gatewayOnly, "bench-grants-only");
		grantsOf.put(redisAck, "bench-grants-redis-ack");
		grantsOf.put(limits, "bench-grants-limits");
		grantsOf.put(jwtCombined, "bench-grants-jwt");
		grantsOf.put(jwtOnly, "bench-grants-jwt-only");
		jars.values().forEach((jar) -> grantsOf.put(jar, "bench-grants-" + jar.name()));
		String soldOut = "bench-sold-out";
		String dupes = "bench-dupes";

		List<Row> rows = new ArrayList<>();
		rows.add(new Row(CEILING, noop, "/noop", null, false, null));
		rows.add(new Row(GRANTS_COMBINED, combined, claims(grantsOf.get(combined)), null, false, null));
		rows.add(new Row(GRANTS_COMBINED + JWT, jwtCombined, claims(grantsOf.get(jwtCombined)), null, true,
				GRANTS_COMBINED));
		rows.add(new Row(GRANTS_ONLY, gatewayOnly, claims(grantsOf.get(gatewayOnly)), null, false, null));
		rows.add(new Row(GRANTS_ONLY + JWT, jwtOnly, claims(grantsOf.get(jwtOnly)), null, true, GRANTS_ONLY));
		rows.add(new Row("grants, gateway only, `coupon.issue.ack=redis`", redisAck, claims(grantsOf.get(redisAck)),
				null, false, GRANTS_ONLY));
		rows.add(new Row("grants, gateway only, rate limits on (never limiting)", limits, claims(grantsOf.get(limits)),
				null, false, GRANTS_ONLY));
		rows.add(new Row(SOLD_OUT, combined, claims(soldOut), null, false, null));
		rows.add(new Row(SOLD_OUT + JWT, jwtCombined, claims(soldOut), null, true, SOLD_OUT));
		rows.add(new Row(DUPLICATES, combined, claims(dupes), "100", false, null));
		rows.add(new Row(DUPLICATES + JWT, jwtCombined, claims(dupes), "100", true, DUPLICATES));
		// a hostile client spraying an id that was never created: answered without
		// PostgreSQL (issue 21)
		rows.add(new Row("unknown campaign (all 404)", combined, claims("bench-never-created"), null, false, null));
		jars.forEach((label, jar) -> {
			String suffix = label.equals("BASELINE_JAR") ? "BASELINE_JAR" : "`" + label + "`";
			rows.add(new Row("grants, gateway only, " + suffix, jar, claims(grantsOf.get(jar)), null, false,
					GRANTS_ONLY));
			rows.add(new Row("sold-out (all 410), " + suffix, jar, claims(soldOut), null, false, SOLD_OUT));
			rows.add(new Row("duplicates (all 409), " + suffix, jar, claims(dupes), "100", false, DUPLICATES));
		});
		// ONLY: a regular expression on the rows' names, to run a few of them
		String only = env("ONLY", "");
		if (!only.isEmpty()) {
			rows.removeIf((row) -> !Pattern.compile(only).matcher(row.name()).find());
		}

		// the header pair always: campaigns are created through it, and the parts after
		// need a gateway; the others only when a row measures them
		List<GatewayProcess> launched = new ArrayList<>(List.of(combined, gatewayOnly));
		for (Row row : rows) {
			if (row.process() instanceof GatewayProcess gateway && !launched.contains(gateway)) {
				launched.add(gateway);
			}
		}
		boolean ceiling = rows.stream().anyMatch((row) -> row.process() == noop);
		if (ceiling) {
			noop.launch();
		}
		stack.start(launched.toArray(GatewayProcess[]::new));
		if (ceiling) {
			noop.awaitUp();
		}

		for (GatewayProcess gateway : launched) {
			stack.createCampaign(grantsOf.get(gateway), 10_000_000, 1);
		}
		stack.createCampaign(soldOut, 1, 1);
		stack.createCampaign(dupes, 10_000_000, 1);
		// the one coupon of sold-out granted, and the 100 users of duplicates holding
		// theirs
		wrk(combined.baseUri().toString(), claims(soldOut), "warm", "1s", null, null);
		wrk(combined.baseUri().toString(), claims(dupes), "dupes", "2s", "100", null);
		Path dupeTokens = this.tokens.resolve("duplicates.txt");
		if (launched.contains(jwtCombined)) {
			BenchTokens.mint(dupeTokens, "jwt-dup", 100);
			wrk(jwtCombined.baseUri().toString(), claims(soldOut), "warm", "1s", null,
					BenchTokens.mint(this.tokens.resolve("sold-out-warm.txt"), "jwt-warm", 20_000));
			wrk(jwtCombined.baseUri().toString(), claims(dupes), "dupes", "2s", "100", dupeTokens);
		}
		for (GatewayProcess jar : jars.values()) {
			if (launched.contains(jar)) {
				wrk(jar.baseUri().toString(), claims(soldOut), "warm", "1s", null, null);
			}
		}

		Drills.log("Warm-up: " + this.warmup + " of load on each system");
		if (ceiling) {
			this.warmupRates.put(noop,
					wrk(noop.baseUri(), "/noop", "warmup", this.warmup, null, null).requestsPerSecond());
		}
		for (GatewayProcess gateway : launched) {
			Path tokens = null;
			if (gateway == jwtCombined || gateway == jwtOnly) {
				long guess = this.warmupRates.getOrDefault((gateway == jwtCombined) ? combined : gatewayOnly, 10_000L);
				tokens = BenchTokens.mint(this.tokens.resolve("warmup.txt"), "jwt-warmup-" + gateway.name(),
						tokenCount(guess, this.warmup));
			}
			this.warmupRates.put(gateway, wrk(gateway.baseUri().toString(), claims(grantsOf.get(gateway)), "warmup",
					this.warmup, null, tokens)
				.requestsPerSecond());
		}

		List<OsProcess> measured = new ArrayList<>(launched);
		if (ceiling) {
			measured.add(noop);
		}
		measured.add(stack.redis);
		measured.add(stack.kafka);
		for (int run = 1; run <= this.runs; run++) {
			String mode = this.profiles.modeOf(run);
			for (Row row : rows) {
				Path tokens = row.jwt() ? tokensFor(row, run, results, dupeTokens) : null;
				Profiles.Running profile = (mode != null && row.process() instanceof GatewayProcess)
						? this.profiles.start(mode, row.name() + " (run " + run + ")", row.process().pid()) : null;
				Map<String, Long> pids = new LinkedHashMap<>();
				for (OsProcess process : measured) {
					pids.put(process.name(), pidOf(process));
				}
				Map<String, Long> before = new LinkedHashMap<>();
				pids.forEach((name, pid) -> before.put(name, cpuTicks(pid)));
				long started = System.nanoTime();
				Wrk.Result result = wrk(row.base(), row.path(), "run" + run, this.duration, row.users(), tokens);
				double seconds = (System.nanoTime() - started) / 1e9;
				if (run == 1) {
					StringBuilder cpu = new StringBuilder();
					pids.forEach((name, pid) -> {
						double cores = (cpuTicks(pid) - before.get(name)) / 100.0 / seconds;
						if (cores >= 0.01) {
							cpu.append(cpu.isEmpty() ? "" : ", ").append(name).append(String.format(" %.2f", cores));
						}
					});
					this.cpu.put(row.name(), cpu.toString());
				}
				if (profile != null) {
					this.profiles.stop(profile);
				}
				if (tokens != null && !tokens.equals(dupeTokens)) {
					Files.deleteIfExists(tokens);
				}
				Drills.log("run " + run + " " + row.name() + ": " + result);
				results.computeIfAbsent(row.name(), (k) -> new ArrayList<>()).add(result);
			}
		}
		Map<String, Long> rss = new LinkedHashMap<>();
		for (GatewayProcess gateway : launched) {
			rss.put(gateway.name(), peakRssKb(gateway.pid()));
		}
		reportHttp(rows, results, rss);
		this.profiles.report(this::line);

		for (GatewayProcess gateway : launched) {
			if (gateway != gatewayOnly) {
				gateway.terminate(Duration.ofSeconds(30));
			}
		}
		noop.kill();
		return gatewayOnly;
	}

	/**
	 * A jwt row's tokens: as many as its header twin's rate of this run would use, and a
	 * third more.
	 */
	private Path tokensFor(Row row, int run, Map<String, List<Wrk.Result>> results, Path dupeTokens) {
		if (row.users() != null) {
			return dupeTokens;
		}
		long guess = this.warmupRates.getOrDefault(row.process(), 10_000L);
		List<Wrk.Result> twin = results.get(row.twin());
		List<Wrk.Result> own = results.get(row.name());
		if (twin != null && twin.size() >= run) {
			guess = twin.get(run - 1).requestsPerSecond();
		}
		else if (own != null && !own.isEmpty()) {
			guess = own.get(own.size() - 1).requestsPerSecond();
		}
		return BenchTokens.mint(this.tokens.resolve("run.txt"), "jwt-r" + run + "-" + UUID.randomUUID(),
				tokenCount(guess, this.duration));
	}

	private int tokenCount(long rate, String duration) {
		return (int) Math.min(this.maxTokens, rate * seconds(duration) * 1.3 + 2_000);
	}

	/** {@code 15s}, {@code 2m}, {@code 1h} (wrk's form) in seconds. */
	static long seconds(String duration) {
		long n = Long.parseLong(duration.replaceAll("\\D", ""));
		return switch (duration.replaceAll("\\d", "")) {
			case "m" -> n * 60;
			case "h" -> n * 3600;
			default -> n;
		};
	}

	/**
	 * The settings of a gateway in jwt mode, its grants on a topic and writer group of
	 * their own.
	 */
	private static String[] jwt(String... settings) {
		List<String> all = new ArrayList<>(BenchTokens.gatewaySettings());
		all.add("--coupon.kafka.topic=coupon.issued.jwt");
		all.add("--coupon.kafka.consumer-group=coupon-writer-jwt");
		all.addAll(List.of(settings));
		return all.toArray(String[]::new);
	}

	/** JARS="label=path,label=path" and BASELINE_JAR=path (label BASELINE_JAR). */
	private static Map<String, Path> jars() {
		Map<String, Path> jars = new LinkedHashMap<>();
		String baseline = env("BASELINE_JAR", "");
		if (!baseline.isEmpty()) {
			jars.put("BASELINE_JAR", Path.of(baseline));
		}
		for (String entry : env("JARS", "").split(",")) {
			if (entry.isBlank()) {
				continue;
			}
			int equals = entry.indexOf('=');
			if (equals <= 0) {
				throw new IllegalArgumentException("JARS takes label=path,label=path: " + entry);
			}
			Path jar = Path.of(entry.substring(equals + 1).trim());
			if (!Files.isRegularFile(jar)) {
				throw new IllegalArgumentException("JARS: no jar at " + jar);
			}
			jars.put(entry.substring(0, equals).trim(), jar);
		}
		return jars;
	}

	private static long pidOf(OsProcess process) {
		try {
			return process.pid();
		}
		catch (RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * CPU time (user + system) a process has used so far, in clock ticks (1/100 s here).
	 */
	static long cpuTicks(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	private static String claims(String campaign) {
		return Paths.of(Paths.COUPONS, campaign);
	}

	private Wrk.Result wrk(String base, String path, String run, String duration, String users, Path tokens)
			throws Exception {
		return Wrk.run(base, path, run, duration, this.connections, users, tokens);
	}

	private void reportHttp(List<Row> rows, Map<String, List<Wrk.Result>> results, Map<String, Long> rss)
			throws Exception {
		line("# Spike speed");
		line("");
		line("Command: `bench/spike-speed.sh` (" + Instant.now() + ", " + machine() + ", commit " + commit() + ").");
		line("Each figure: `wrk -t1 -c" + this.connections + " -d" + this.duration
				+ "`, a new user per request unless said, after " + this.warmup + " of load on each system; median of "
				+ this.runs + " runs taken side by side (each run measures every row in turn). Gateway JVM options: `"
				+ String.join(" ", this.gatewayJvm) + "`. Rows ending in \"jwt\": an instance in `coupon.identity=jwt`"
				+ " (HS256), each request with a bearer token of its own user (the duplicates: 100 users' tokens"
				+ " again and again), minted by the bench before the run; the others send `X-User-Id` (header mode)."
				+ (this.profiles.modes().isEmpty() ? "" : " Run n of every gateway row is profiled with "
						+ this.profiles.modes() + " (its figures include the profiler's cost)."));
		line("");
		line("| what | req/s (median) | runs | p50 ms | p99 ms | share of the ceiling (median of the runs' shares, each run's) | answers |");
		line("|---|---|---|---|---|---|---|");
		List<Wrk.Result> ceilings = results.get(CEILING);
		for (Row row : rows) {
			List<Wrk.Result> runs = results.get(row.name());
			Wrk.Result median = Wrk.median(runs);
			line("| " + row.name() + " | " + median.requestsPerSecond() + " | "
					+ runs.stream().map((r) -> Long.toString(r.requestsPerSecond())).toList() + " | " + median.p50()
					+ " | " + median.p99() + " | " + shares(runs, ceilings) + " | " + median.statuses()
					+ ((row.users() == null) ? reused(runs) : "") + " |");
		}
		line("");
		List<Row> jwtRows = rows.stream().filter((row) -> row.jwt() && results.containsKey(row.twin())).toList();
		if (!jwtRows.isEmpty()) {
			line("## jwt against header mode, run by run (target: at least 90%)");
			line("");
			line("| row | jwt req/s | header req/s | jwt / header (median of the runs' ratios, each run's) | p99 ms jwt / header | at least 90% |");
			line("|---|---|---|---|---|---|");
			for (Row row : jwtRows) {
				List<Wrk.Result> jwt = results.get(row.name());
				List<Wrk.Result> header = results.get(row.twin());
				List<Double> ratios = ratios(jwt, header);
				double median = ratios.stream().sorted().toList().get(ratios.size() / 2);
				line("| " + row.twin() + " | " + Wrk.median(jwt).requestsPerSecond() + " | "
						+ Wrk.median(header).requestsPerSecond() + " | " + shares(jwt, header) + " | "
						+ Wrk.median(jwt).p99() + " / " + Wrk.median(header).p99() + " | "
						+ ((median >= 90) ? "yes" : "no") + " |");
			}
			line("");
		}
		List<Row> others = rows.stream()
			.filter((row) -> !row.jwt() && row.twin() != null && results.containsKey(row.twin()))
			.toList();
		if (!others.isEmpty()) {
			line("## Against this build's row of the same kind, run by run (JARS, BASELINE_JAR, settings)");
			line("");
			line("| row | req/s | this build's row | its req/s | share (median of the runs' shares, each run's) |");
			line("|---|---|---|---|---|");
			for (Row row : others) {
				List<Wrk.Result> own = results.get(row.name());
				List<Wrk.Result> twin = results.get(row.twin());
				line("| " + row.name() + " | " + Wrk.median(own).requestsPerSecond() + " | " + row.twin() + " | "
						+ Wrk.median(twin).requestsPerSecond() + " | " + shares(own, twin) + " |");
			}
			line("");
		}
		line("CPU during run 1 (cores used, of 2; wrk and PostgreSQL not shown):");
		line("");
		this.cpu.forEach((row, cores) -> line("- " + row + ": " + cores));
		line("");
		line("Gateway peak RSS (VmHWM) after the runs: " + rss.entrySet()
			.stream()
			.map((e) -> e.getKey() + " " + e.getValue() / 1024 + " MB")
			.collect(Collectors.joining(", ")) + ".");
		line("");
	}

	/** {@code 100 * a / b} run by run (runs where both were measured). */
	private static List<Double> ratios(List<Wrk.Result> a, List<Wrk.Result> b) {
		List<Double> ratios = new ArrayList<>();
		for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
			ratios.add(100.0 * a.get(i).requestsPerSecond() / Math.max(1, b.get(i).requestsPerSecond()));
		}
		return ratios;
	}

	/**
	 * The median of the run-by-run shares, then each run's; "n/a" without a reference.
	 */
	private static String shares(List<Wrk.Result> rows, List<Wrk.Result> reference) {
		if (reference == null || reference.isEmpty()) {
			return "n/a";
		}
		List<Double> ratios = ratios(rows, reference);
		List<Double> sorted = ratios.stream().sorted().toList();
		return String.format("%.0f%% %s", sorted.get(sorted.size() / 2),
				ratios.stream().map((x) -> String.format("%.0f", x)).toList());
	}

	private static String reused(List<Wrk.Result> runs) {
		long reused = runs.stream().mapToLong(Wrk.Result::tokensReused).sum();
		return (reused > 0) ? "; " + reused + " tokens reused (raise MAX_TOKENS)" : "";
	}

	/**
	 * The first seconds of a fresh instance, a new gateway + writer JVM per row: launch
	 * to ready (health 200, after the claim-path warm-up), then load from that moment,
	 * grants and sold-out, in header mode and in jwt mode; each against the warm figure
	 * of the same row and mode.
	 */
	private void coldStarts(DrillStack stack, Map<String, List<Wrk.Result>> results) throws Exception {
		line("## The first " + this.duration + " of a fresh instance");
		line("");
		line("A new JVM (gateway and writer) per row; load from the moment it reports healthy. Warm figure: the"
				+ " median of the same row and mode above (n/a when not measured in this run).");
		line("");
		line("| instance | launch to ready, s | req/s | p50 ms | p99 ms | share of the warm figure | answers |");
		line("|---|---|---|---|---|---|---|");
		String on = this.warmupRequests;
		List<Cold> colds = List.of(new Cold("grants, header, warm-up off", false, "bench-grants", "0", GRANTS_COMBINED),
				new Cold("grants, header, warm-up " + on + " requests", false, "bench-grants", on, GRANTS_COMBINED),
				new Cold("sold-out, header, warm-up " + on + " requests", false, "bench-sold-out", on, SOLD_OUT),
				new Cold("grants, jwt, warm-up " + on + " requests", true, "bench-grants-jwt", on,
						GRANTS_COMBINED + JWT),
				new Cold("sold-out, jwt, warm-up " + on + " requests", true, "bench-sold-out", on, SOLD_OUT + JWT));
		ensureCampaign(stack, "bench-grants", 10_000_000);
		ensureCampaign(stack, "bench-grants-jwt", 10_000_000);
		ensureCampaign(stack, "bench-sold-out", 1);
		for (int i = 0; i < colds.size(); i++) {
			Cold cold = colds.get(i);
			List<Wrk.Result> warm = results.get(cold.warm());
			String setting = "--coupon.issue.warmup-requests=" + cold.warmupRequests();
			GatewayProcess fresh = stack
				.instance("fresh-" + i, "gateway,writer", cold.jwt() ? jwt(setting) : new String[] { setting })
				.jvm(this.gatewayJvm);
			// minted before the launch: nothing else runs while the instance starts
			Path tokens = cold.jwt()
					? BenchTokens.mint(this.tokens.resolve("cold.txt"), "jwt-cold-" + i + "-" + UUID.randomUUID(),
							tokenCount((warm != null) ? Wrk.median(warm).requestsPerSecond() : 10_000, this.duration))
					: null;
			long launched = System.nanoTime();
			fresh.start();
			long ready = System.nanoTime();
			Wrk.Result first = wrk(fresh.baseUri().toString(), claims(cold.campaign()), "fresh" + i, this.duration,
					null, tokens);
			Drills.log("fresh instance, " + cold.label() + ": ready in " + (ready - launched) / 1_000_000 + " ms; "
					+ first);
			line("| " + cold.label() + " | " + String.format("%.1f", (ready - launched) / 1e9) + " | "
					+ first.requestsPerSecond() + " | " + first.p50() + " | " + first.p99() + " | "
					+ ((warm != null) ? String.format("%.0f%% (of %d)",
							100.0 * first.requestsPerSecond() / Wrk.median(warm).requestsPerSecond(),
							Wrk.median(warm).requestsPerSecond()) : "n/a")
					+ " | " + first.statuses() + reused(List.of(first)) + " |");
			fresh.terminate(Duration.ofSeconds(30));
			if (tokens != null) {
				Files.deleteIfExists(tokens);
			}
		}
		line("");
	}

	/**
	 * Creates a campaign unless an earlier part did (a 409 on creating it again is fine).
	 */
	private static void ensureCampaign(DrillStack stack, String id, int stock) {
		try {
			stack.createCampaign(id, stock, 1);
		}
		catch (IllegalStateException ex) {
			if (!ex.getMessage().contains(" 409 ")) {
				throw ex;
			}
		}
	}

	/**
	 * The k6 spike (k6/spike.js) against a fresh gateway + writer JVM of the packaged jar
	 * on this stack's servers: PEAK_RPS=2000 as soon as it is ready, again warm, then
	 * PEAK_RPS=4000 warm. Each run's claim p50/p90/p99, 503s and grants, read from k6's
	 * JSON summary.
	 */
	private void k6Spike(DrillStack stack) throws Exception {
		line("## The k6 spike on a fresh instance and on a warm one");
		line("");
		String k6 = env("K6", "");
		if (k6.isEmpty() || !Files.isExecutable(Path.of(k6))) {
			line("Not run: set K6 to a k6 binary (v2.x).");
			line("");
			return;
		}
		boolean jwt = env("K6_IDENTITY", "header").equals("jwt");
		String hold = env("K6_HOLD", "10s");
		String stock = env("K6_STOCK", "1000");
		String setting = "--coupon.issue.warmup-requests=" + this.warmupRequests;
		GatewayProcess gateway = stack
			.instance("k6-gateway", "gateway,writer", jwt ? jwt(setting) : new String[] { setting })
			.jvm(this.gatewayJvm);
		long launched = System.nanoTime();
		gateway.start();
		double ready = (System.nanoTime() - launched) / 1e9;
		line("`" + k6 + " run -e PEAK_RPS=<n> -e STOCK=" + stock + " -e HOLD=" + hold + " k6/spike.js` (identity "
				+ (jwt ? "jwt" : "header") + ") against a new gateway + writer JVM of the packaged jar on this run's"
				+ " servers, ready " + String.format("%.1f", ready) + " s after launch (warm-up " + this.warmupRequests
				+ " requests); the first run as soon as it was ready, then the same instance warm. Target: p99 < 100"
				+ " ms, no 503.");
		line("");
		line("| run | claim p50 ms | p90 ms | p99 ms | 503 | granted | sold-out | already issued | other | dropped iterations | k6 exit | target met |");
		line("|---|---|---|---|---|---|---|---|---|---|---|---|");
		List<String[]> spikes = List.of(new String[] { "2000", "first run after start" },
				new String[] { "2000", "warm" }, new String[] { "4000", "warm" });
		for (int i = 0; i < spikes.size(); i++) {
			String peak = spikes.get(i)[0];
			Path results = Drills.createDirectories(stack.dir.resolve("k6-" + i));
			List<String> command = new ArrayList<>(List.of(k6, "run", "-e", "BASE_URL=" + gateway.baseUri(), "-e",
					"PEAK_RPS=" + peak, "-e", "STOCK=" + stock, "-e", "HOLD=" + hold, "-e", "RESULTS_DIR=" + results));
			if (jwt) {
				command.addAll(List.of("-e", "IDENTITY=jwt", "-e", "JWT_SECRET=" + Tokens.SECRET, "-e",
						"JWT_ISSUER=" + Tokens.ISSUER, "-e", "JWT_AUDIENCE=" + Tokens.AUDIENCE));
			}
			else {
				command.addAll(List.of("-e", "ADMIN_TOKEN=" + Drills.ADMIN_TOKEN));
			}
			command.add("k6/spike.js");
			Path log = stack.dir.resolve("k6-" + i + ".log");
			Process process = new ProcessBuilder(command).directory(Drills.projectDir().toFile())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			if (!process.waitFor(10, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException("k6 did not finish: " + Drills.tail(log, 40));
			}
			int exit = process.exitValue();
			Path summary;
			try (var files = Files.list(results)) {
				summary = files.filter((f) -> f.toString().endsWith(".json")).findFirst().orElse(null);
			}
			if (summary == null) {
				line("| PEAK_RPS=" + peak + ", " + spikes.get(i)[1] + " | no summary (exit " + exit + "): see `" + log
						+ "` |  |  |  |  |  |  |  |  |  |  |");
				continue;
			}
			JsonNode metrics = JsonMapper.builder().build().readTree(Files.readString(summary)).path("metrics");
			double p99 = trend(metrics, "claim_latency", "p(99)");
			long unavailable = count(metrics, "unavailable");
			Drills.log("k6 PEAK_RPS=" + peak + " (" + spikes.get(i)[1] + "): p99 " + p99 + " ms, 503 " + unavailable
					+ ", exit " + exit);
			line(String.format("| PEAK_RPS=%s, %s | %.1f | %.1f | %.1f | %d | %d | %d | %d | %d | %d | %d | %s |", peak,
					spikes.get(i)[1], trend(metrics, "claim_latency", "med"), trend(metrics, "claim_latency", "p(90)"),
					p99, unavailable, count(metrics, "granted_201") + count(metrics, "granted_202"),
					count(metrics, "sold_out"), count(metrics, "already_issued"), count(metrics, "other"),
					count(metrics, "dropped_iterations"), exit, (p99 < 100 && unavailable == 0) ? "yes" : "no"));
		}
		line("");
		line("k6's logs and JSON summaries: `" + stack.dir + "/k6-*`.");
		line("");
		gateway.terminate(Duration.ofSeconds(30));
	}

	private static double trend(JsonNode metrics, String metric, String stat) {
		return metrics.path(metric).path("values").path(stat).asDouble(-1);
	}

	/** A counter's count; a counter never added to is not in the summary: 0. */
	private static long count(JsonNode metrics, String metric) {
		return metrics.path(metric).path("values").path("count").asLong(0);
	}

	/**
	 * The writer's drain: {@code drainEvents} grants queued in Kafka while no writer
	 * runs, then a writer JVM started and timed from its first row to its last; against
	 * {@code COPY} of as many rows into the same table.
	 */
	private void drain(DrillStack stack, GatewayProcess admin) throws Exception {
		int n = this.drainEvents;
		String drained = stack.createCampaign("bench-drain", n, 1);
		String copied = stack.createCampaign("bench-copy", n, 1);
		Drills.log("Queueing " + n + " events in Kafka (no writer running)");
		long issued = System.currentTimeMillis();
		try (KafkaProducer<String, byte[]> producer = producer(stack.kafka.bootstrapServers())) {
			for (int i = 1; i <= n; i++) {
				String user = "drain-" + i;
				String json = "{\"couponId\":\"" + UUID.randomUUID() + "\",\"campaignId\":\"" + drained
						+ "\",\"userId\":\"" + user + "\",\"sequence\":" + i + ",\"userSlot\":1,\"issuedAt\":\""
						+ Instant.ofEpochMilli(issued) + "\"}";
				producer.send(new ProducerRecord<>("coupon.issued", drained + ":" + user,
						json.getBytes(StandardCharsets.UTF_8)));
			}
			producer.flush();
		}
		GatewayProcess writer = stack.instance("writer", "writer").jvm(this.gatewayJvm);
		writer.launch();
		Drills.log("Writer launched; timing its drain");
		long first = 0;
		long last;
		// one connection, polled every 100 ms: a new connection per poll costs PostgreSQL
		// a backend each
		try (Connection connection = connect(stack);
				PreparedStatement count = connection
					.prepareStatement("SELECT count(*) FROM coupon WHERE campaign_id = ?")) {
			count.setString(1, drained);
			while (true) {
				long rows;
				try (ResultSet result = count.executeQuery()) {
					result.next();
					rows = result.getLong(1);
				}
				long now = System.nanoTime();
				if (first == 0 && rows > 0) {
					first = now;
				}
				if (rows >= n) {
					last = now;
					break;
				}
				if (!writer.alive()) {
					throw new IllegalStateException("writer died: " + Drills.tail(writer.log(), 40));
				}
				Thread.sleep(100);
			}
		}
		double writerRate = n / ((last - first) / 1e9);

		StringBuilder csv = new StringBuilder(n * 80);
		for (int i = 1; i <= n; i++) {
			csv.append(UUID.randomUUID())
				.append(',')
				.append(copied)
				.append(",copy-")
				.append(i)
				.append(',')
				.append(i)
				.append(",1,")
				.append(Instant.ofEpochMilli(issued))
				.append('\n');
		}
		long copyStart;
		long copyEnd;
		try (Connection connection = connect(stack)) {
			copyStart = System.nanoTime();
			connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn("COPY coupon (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at) FROM STDIN WITH (FORMAT csv)",
						new StringReader(csv.toString()));
			copyEnd = System.nanoTime();
		}
		double copyRate = n / ((copyEnd - copyStart) / 1e9);
		line("## Writer drain");
		line("");
		line("| what | rows | seconds | rows/s | share of COPY |");
		line("|---|---|---|---|---|");
		line(String.format("| writer: %,d queued events, first row to last | %,d | %.1f | %,.0f | %.0f%% |", n, n,
				(last - first) / 1e9, writerRate, 100 * writerRate / copyRate));
		line(String.format(
				"| `COPY` of the same number of rows into `coupon` (JDBC CopyManager) | %,d | %.1f | %,.0f | 100%% |",
				n, (copyEnd - copyStart) / 1e9, copyRate));
		line("");
		line("Writer peak RSS: " + peakRssKb(writer.pid()) / 1024 + " MB.");
	}

	private static Connection connect(DrillStack stack) throws Exception {
		Properties properties = new Properties();
		properties.setProperty("user", "postgres");
		properties.setProperty("password", "postgres");
		return DriverManager.getConnection(stack.postgres.jdbcUrl(), properties);
	}

	private static KafkaProducer<String, byte[]> producer(String bootstrap) {
		Properties config = new Properties();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
		config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
		return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
	}

	private static long peakRssKb(long pid) throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
			if (line.startsWith("VmHWM:")) {
				return Long.parseLong(line.replaceAll("\\D", ""));
			}
		}
		return -1;
	}

	private void line(String text) {
		this.report.append(text).append('\n');
	}

	private static String machine() throws IOException {
		return Runtime.getRuntime().availableProcessors() + " cores, "
				+ Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ") + ", Java "
				+ System.getProperty("java.version");
	}

	private static String commit() throws Exception {
		Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").directory(Drills.projectDir().toFile())
			.start();
		String sha = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		git.waitFor();
		Process dirty = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
			.directory(Drills.projectDir().toFile())
			.start();
		boolean changed = !new String(dirty.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
		dirty.waitFor();
		return sha + (changed ? " with uncommitted changes" : "");
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

	private static int intEnv(String name, int fallback) {
		return Integer.parseInt(env(name, Integer.toString(fallback)));
	}

	/**
	 * One row of the table: where it sends its load; {@code users}, when set, the fixed
	 * users it cycles through; {@code jwt}: bearer tokens; {@code twin}: the row it is
	 * compared with run by run (header mode's for a jwt row, this build's for another
	 * build's), or null.
	 */
	private record Row(String name, OsProcess process, String path, String users, boolean jwt, String twin) {

		String base() {
			return (this.process instanceof NoopProcess noop) ? noop.baseUri()
					: ((GatewayProcess) this.process).baseUri().toString();
		}

	}

	/**
	 * One row of the fresh instances' table, against the warm figure of row {@code warm}.
	 */
	private record Cold(String label, boolean jwt, String campaign, String warmupRequests, String warm) {
	}

	/** The no-op WebFlux app in a JVM of its own, with the same heap as the gateway. */
	private final class NoopProcess extends OsProcess {

		private final int port = Drills.freePort();

		NoopProcess(Path dir) {
			super("noop", dir.resolve("noop.log"));
		}

		void launch() {
			List<String> command = new ArrayList<>(List.of(KafkaBroker.javaBinary()));
			command.addAll(SpikeSpeedBench.this.gatewayJvm);
			command.addAll(List.of("@" + Drills.classpathArgFile(), "dev.coupongateway.bench.NoopApplication",
					"--server.port=" + this.port, "--spring.main.banner-mode=off"));
			launch(command);
		}

		String baseUri() {
			return "http://127.0.0.1:" + this.port;
		}

		void awaitUp() throws Exception {
			for (int i = 0; i < 600; i++) {
				try (Socket socket = new Socket("127.0.0.1", this.port)) {
					Drills.log("no-op app up on " + this.port + " (pid " + pid() + ")");
					return;
				}
				catch (IOException ex) {
					Thread.sleep(100);
				}
			}
			throw new IllegalStateException("no-op app did not come up: " + Drills.tail(log(), 40));
		}

	}

}
