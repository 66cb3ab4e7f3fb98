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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.coupongateway.system.Paths;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;

/**
 * The spike-speed benchmark ({@code bench/spike-speed.sh}): on this one machine, real
 * Redis, PostgreSQL and Kafka processes, the packaged gateway (once with its writer in
 * the same JVM, once without), and a minimal WebFlux app as the ceiling; each warmed up,
 * then the same wrk command against each, side by side, run after run: the ceiling,
 * grants while stock lasts, sold-out answers and duplicate claims. Then the writer's
 * drain of 1,000,000 queued events against PostgreSQL's own {@code COPY} of the same rows
 * into the same table. Writes a markdown report.
 */
public final class SpikeSpeedBench {

	private final int runs = intEnv("RUNS", 3);

	private final String duration = env("DURATION", "15s");

	private final int connections = intEnv("CONNECTIONS", 64);

	private final String warmup = env("WARMUP", "60s");

	private final int drainEvents = intEnv("DRAIN_EVENTS", 1_000_000);

	private final List<String> gatewayJvm = List.of(env("GATEWAY_JVM", "-Xms512m -Xmx512m").split(" "));

	private final StringBuilder report = new StringBuilder();

	private final boolean profile = !env("PROFILE", "").isEmpty();

	private final Map<String, Path> profiled = new LinkedHashMap<>();

	/** Cores each process used during run 1 of each row. */
	private final Map<String, String> cpu = new LinkedHashMap<>();

	public static void main(String[] args) throws Exception {
		new SpikeSpeedBench().run();
		System.exit(0);
	}

	private void run() throws Exception {
		try (DrillStack stack = new DrillStack("SpikeSpeedBench", List.of("--logging.level.root=WARN"))) {
			stack.startServers();
			// DRAIN_ONLY: only the writer's drain (a gateway-role JVM creates the
			// campaigns)
			if (!env("DRAIN_ONLY", "").isEmpty()) {
				GatewayProcess admin = stack.instance("gateway-only", "gateway").jvm(this.gatewayJvm);
				stack.start(admin);
				drain(stack, admin);
				Drills.write(Drills.root().resolve("spike-speed.md"), this.report.toString());
				System.out.println(this.report);
				return;
			}
			String warmup = "--coupon.issue.warmup-requests=" + env("WARMUP_REQUESTS", "2000");
			GatewayProcess combined = stack.instance("gateway-writer", "gateway,writer", warmup).jvm(this.gatewayJvm);
			GatewayProcess gatewayOnly = stack.instance("gateway-only", "gateway", warmup).jvm(this.gatewayJvm);
			GatewayProcess redisAck = stack.instance("gateway-redis-ack", "gateway", warmup, "--coupon.issue.ack=redis")
				.jvm(this.gatewayJvm);
			NoopProcess noop = new NoopProcess(stack.dir);
			noop.launch();
			// rate limits on, set so that they never limit: what checking and recording
			// them costs a claim
			GatewayProcess limits = stack
				.instance("gateway-limits", "gateway", warmup, "--coupon.limits.user-interval=1ms",
						"--coupon.limits.address-interval=1ms", "--coupon.limits.address-burst=1000000000")
				.jvm(this.gatewayJvm);
			// BASELINE_JAR: another build of the gateway (say, the commit before a
			// change),
			// in the gateway role beside the others, measured in the same runs on grants,
			// sold-out and duplicate answers; the writer of this build stores its grants
			String baselineJar = env("BASELINE_JAR", "");
			GatewayProcess baseline = baselineJar.isEmpty() ? null : stack.nextFrom(Path.of(baselineJar))
				// builds before Kafka took Boot's spring.kafka.* keys read
				// coupon.kafka.bootstrap-servers
				.instance("baseline", "gateway", warmup,
						"--coupon.kafka.bootstrap-servers=" + stack.kafka.bootstrapServers())
				.jvm(this.gatewayJvm);
			if (baseline != null) {
				stack.start(combined, gatewayOnly, redisAck, limits, baseline);
			}
			else {
				stack.start(combined, gatewayOnly, redisAck, limits);
			}
			noop.awaitUp();

			String grants = stack.createCampaign("bench-grants", 10_000_000, 1);
			String grantsOnly = stack.createCampaign("bench-grants-only", 10_000_000, 1);
			String grantsRedisAck = stack.createCampaign("bench-grants-redis-ack", 10_000_000, 1);
			String grantsLimits = stack.createCampaign("bench-grants-limits", 10_000_000, 1);
			String soldOut = stack.createCampaign("bench-sold-out", 1, 1);
			String dupes = stack.createCampaign("bench-dupes", 10_000_000, 1);
			wrk(combined.baseUri().toString(), claims(soldOut), "warm", "1s", null);
			wrk(combined.baseUri().toString(), claims(dupes), "dupes", "2s", "100");

			Map<String, Target> targets = new LinkedHashMap<>();
			targets.put("no-op ceiling (`POST /noop`)", new Target(noop.baseUri(), "/noop", null));
			targets.put("grants, gateway + writer in one JVM",
					new Target(combined.baseUri().toString(), claims(grants), null));
			targets.put("grants, gateway only (writer in the other JVM)",
					new Target(gatewayOnly.baseUri().toString(), claims(grantsOnly), null));
			targets.put("grants, gateway only, `coupon.issue.ack=redis`",
					new Target(redisAck.baseUri().toString(), claims(grantsRedisAck), null));
			targets.put("grants, gateway only, rate limits on (never limiting)",
					new Target(limits.baseUri().toString(), claims(grantsLimits), null));
			targets.put("sold-out (all 410)", new Target(combined.baseUri().toString(), claims(soldOut), null));
			targets.put("duplicates: 100 users again and again (all 409)",
					new Target(combined.baseUri().toString(), claims(dupes), "100"));
			// a hostile client spraying an id that was never created: answered without
			// PostgreSQL (issue 21)
			targets.put("unknown campaign (all 404)",
					new Target(combined.baseUri().toString(), claims("bench-never-created"), null));
			if (baseline != null) {
				wrk(baseline.baseUri().toString(), claims(soldOut), "warm", "1s", null);
				String grantsBaseline = stack.createCampaign("bench-grants-baseline", 10_000_000, 1);
				targets.put("grants, gateway only, BASELINE_JAR",
						new Target(baseline.baseUri().toString(), claims(grantsBaseline), null));
				targets.put("sold-out (all 410), BASELINE_JAR",
						new Target(baseline.baseUri().toString(), claims(soldOut), null));
				targets.put("duplicates (all 409), BASELINE_JAR",
						new Target(baseline.baseUri().toString(), claims(dupes), "100"));
			}
			// ONLY: a regular expression on the rows' names, to run a few of them
			String only = env("ONLY", "");
			if (!only.isEmpty()) {
				targets.keySet().removeIf((name) -> !Pattern.compile(only).matcher(name).find());
			}

			Drills.log("Warm-up: " + this.warmup + " of load on each system");
			wrk(noop.baseUri(), "/noop", "warmup", this.warmup, null);
			wrk(combined.baseUri().toString(), claims(grants), "warmup", this.warmup, null);
			wrk(gatewayOnly.baseUri().toString(), claims(grantsOnly), "warmup", this.warmup, null);
			wrk(redisAck.baseUri().toString(), claims(grantsRedisAck), "warmup", this.warmup, null);
			wrk(limits.baseUri().toString(), claims(grantsLimits), "warmup", this.warmup, null);
			if (baseline != null) {
				wrk(baseline.baseUri().toString(), claims("bench-grants-baseline"), "warmup", this.warmup, null);
			}

			Map<String, List<Wrk.Result>> results = new LinkedHashMap<>();
			for (int run = 1; run <= this.runs; run++) {
				for (Map.Entry<String, Target> target : targets.entrySet()) {
					// run 1 of the combined gateway's rows is also profiled (JFR, profile
					// settings)
					boolean profiled = this.profile && run == 1
							&& target.getValue().base().equals(combined.baseUri().toString());
					Path recording = Drills.root().resolve("profile-" + this.profiled.size() + ".jfr");
					if (profiled) {
						jcmd(combined.pid(), "JFR.start", "name=bench", "settings=profile", "filename=" + recording);
					}
					Map<String, Long> pids = new LinkedHashMap<>();
					List<OsProcess> measured = new ArrayList<>(
							List.of(combined, gatewayOnly, redisAck, limits, noop, stack.redis, stack.kafka));
					if (baseline != null) {
						measured.add(baseline);
					}
					for (OsProcess process : measured) {
						pids.put(process.name(), pidOf(process));
					}
					Map<String, Long> before = new LinkedHashMap<>();
					pids.forEach((name, pid) -> before.put(name, cpuTicks(pid)));
					long started = System.nanoTime();
					Wrk.Result result = wrk(target.getValue().base(), target.getValue().path(), "run" + run,
							this.duration, target.getValue().users());
					double seconds = (System.nanoTime() - started) / 1e9;
					if (run == 1) {
						StringBuilder cpu = new StringBuilder();
						pids.forEach((name, pid) -> {
							double cores = (cpuTicks(pid) - before.get(name)) / 100.0 / seconds;
							if (cores >= 0.01) {
								cpu.append(cpu.isEmpty() ? "" : ", ")
									.append(name)
									.append(String.format(" %.2f", cores));
							}
						});
						this.cpu.put(target.getKey(), cpu.toString());
					}
					if (profiled) {
						jcmd(combined.pid(), "JFR.stop", "name=bench");
						this.profiled.put(target.getKey(), recording);
					}
					Drills.log("run " + run + " " + target.getKey() + ": " + result);
					results.computeIfAbsent(target.getKey(), (k) -> new ArrayList<>()).add(result);
				}
			}
			long rssCombined = peakRssKb(combined.pid());
			long rssGatewayOnly = peakRssKb(gatewayOnly.pid());
			reportHttp(results, rssCombined, rssGatewayOnly);
			reportProfiles();

			combined.terminate(Duration.ofSeconds(30));
			redisAck.terminate(Duration.ofSeconds(30));
			limits.terminate(Duration.ofSeconds(30));
			if (only.isEmpty()) {
				firstSeconds(stack, grants, Wrk.median(results.get("grants, gateway + writer in one JVM")));
				drain(stack, gatewayOnly);
			}
		}
		Path out = Drills.root().resolve("spike-speed.md");
		Drills.write(out, this.report.toString());
		System.out.println(this.report);
		Drills.log("Report written to " + out);
	}

	private static void jcmd(long pid, String... command) throws Exception {
		List<String> args = new ArrayList<>(
				List.of(Path.of(KafkaBroker.javaBinary()).resolveSibling("jcmd").toString(), Long.toString(pid)));
		args.addAll(List.of(command));
		Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
		}
	}

	/**
	 * The top of each profile: methods by samples on top of the stack (self) and anywhere
	 * on it (total).
	 */
	private void reportProfiles() throws IOException {
		for (Map.Entry<String, Path> entry : this.profiled.entrySet()) {
			Map<String, Integer> self = new HashMap<>();
			Map<String, Integer> total = new HashMap<>();
			int samples = 0;
			try (jdk.jfr.consumer.RecordingFile file = new jdk.jfr.consumer.RecordingFile(entry.getValue())) {
				while (file.hasMoreEvents()) {
					jdk.jfr.consumer.RecordedEvent event = file.readEvent();
					if (!event.getEventType().getName().equals("jdk.ExecutionSample")
							|| event.getStackTrace() == null) {
						continue;
					}
					samples++;
					List<jdk.jfr.consumer.RecordedFrame> frames = event.getStackTrace().getFrames();
					if (!frames.isEmpty()) {
						self.merge(name(frames.get(0)), 1, Integer::sum);
					}
					frames.stream()
						.map(SpikeSpeedBench::name)
						.distinct()
						.forEach((m) -> total.merge(m, 1, Integer::sum));
				}
			}
			line("### Profile: " + entry.getKey() + " (JFR, " + samples + " execution samples, `" + entry.getValue()
					+ "`)");
			line("");
			line("| self | method |    | total | method |");
			line("|---|---|---|---|---|");
			List<Map.Entry<String, Integer>> topSelf = top(self, 15);
			List<Map.Entry<String, Integer>> topTotal = top(total.entrySet()
				.stream()
				.filter((e) -> !e.getKey().startsWith("java.lang.Thread.run")
						&& !e.getKey().contains("FastThreadLocalRunnable")
						&& !e.getKey().contains("SingleThreadEventExecutor")
						&& !e.getKey().contains("ThreadExecutorMap"))
				.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), 15);
			for (int i = 0; i < 15; i++) {
				String left = (i < topSelf.size())
						? pct(topSelf.get(i).getValue(), samples) + " | `" + topSelf.get(i).getKey() + "`" : " | ";
				String right = (i < topTotal.size())
						? pct(topTotal.get(i).getValue(), samples) + " | `" + topTotal.get(i).getKey() + "`" : " | ";
				line("| " + left + " |    | " + right + " |");
			}
			line("");
		}
	}

	private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
		return counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(n)
			.toList();
	}

	private static String pct(int count, int samples) {
		return String.format("%.1f%%", 100.0 * count / Math.max(1, samples));
	}

	private static String name(jdk.jfr.consumer.RecordedFrame frame) {
		return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
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

	private Wrk.Result wrk(String base, String path, String run, String duration, String users) throws Exception {
		return Wrk.run(base, path, run, duration, this.connections, users);
	}

	private void reportHttp(Map<String, List<Wrk.Result>> results, long rssCombined, long rssGatewayOnly)
			throws Exception {
		line("# Spike speed");
		line("");
		line("Command: `bench/spike-speed.sh` (" + Instant.now() + ", " + machine() + ", commit " + commit() + ").");
		line("Each figure: `wrk -t1 -c" + this.connections + " -d" + this.duration
				+ "`, a new user per request unless said, after " + this.warmup + " of load on each system; median of "
				+ this.runs + " runs taken side by side (each run measures every row in turn). Gateway JVM options: `"
				+ String.join(" ", this.gatewayJvm) + "`.");
		line("");
		line("| what | req/s (median) | runs | p50 ms | p99 ms | share of the ceiling (median of the runs' shares, each run's) | answers |");
		line("|---|---|---|---|---|---|---|");
		List<Wrk.Result> ceilings = results.values().iterator().next();
		for (Map.Entry<String, List<Wrk.Result>> entry : results.entrySet()) {
			Wrk.Result median = Wrk.median(entry.getValue());
			// the share is taken run by run (this row against the ceiling of the same
			// run), then the median
			List<Double> shares = new ArrayList<>();
			for (int i = 0; i < entry.getValue().size(); i++) {
				shares.add(100.0 * entry.getValue().get(i).requestsPerSecond() / ceilings.get(i).requestsPerSecond());
			}
			List<Double> sorted = shares.stream().sorted().toList();
			line("| " + entry.getKey() + " | " + median.requestsPerSecond() + " | "
					+ entry.getValue().stream().map((r) -> Long.toString(r.requestsPerSecond())).toList() + " | "
					+ median.p50() + " | " + median.p99() + " | "
					+ String.format("%.0f%% %s", sorted.get(sorted.size() / 2),
							shares.stream().map((x) -> String.format("%.0f", x)).toList())
					+ " | " + median.statuses() + " |");
		}
		line("");
		line("CPU during run 1 (cores used, of 2; wrk and PostgreSQL not shown):");
		line("");
		this.cpu.forEach((row, cores) -> line("- " + row + ": " + cores));
		line("");
		line("Gateway peak RSS (VmHWM) after the runs: " + rssCombined / 1024 + " MB (gateway + writer), "
				+ rssGatewayOnly / 1024 + " MB (gateway only).");
		line("");
	}

	/**
	 * The first seconds of a fresh instance: a new gateway JVM (gateway and writer), load
	 * from the moment it reports healthy (ready), without the claim-path warm-up and with
	 * it; against the warm figure.
	 */
	private void firstSeconds(DrillStack stack, String campaign, Wrk.Result warm) throws Exception {
		line("## The first " + this.duration + " of a fresh instance");
		line("");
		line("| instance | req/s | p50 ms | p99 ms | share of the warm figure (" + warm.requestsPerSecond()
				+ " req/s) |");
		line("|---|---|---|---|---|");
		for (String warmup : List.of("0", env("WARMUP_REQUESTS", "2000"))) {
			GatewayProcess fresh = stack
				.instance("fresh-warmup-" + warmup, "gateway,writer", "--coupon.issue.warmup-requests=" + warmup)
				.jvm(this.gatewayJvm);
			long launched = System.nanoTime();
			fresh.start();
			long ready = System.nanoTime();
			Wrk.Result first = wrk(fresh.baseUri().toString(), claims(campaign), "fresh" + warmup, this.duration, null);
			Drills.log("fresh instance, warm-up " + warmup + ": ready in " + (ready - launched) / 1_000_000 + " ms; "
					+ first);
			line("| warm-up " + (warmup.equals("0") ? "off" : warmup + " requests") + ", ready "
					+ String.format("%.1f", (ready - launched) / 1e9) + " s after launch | " + first.requestsPerSecond()
					+ " | " + first.p50() + " | " + first.p99() + " | "
					+ String.format("%.0f%%", 100.0 * first.requestsPerSecond() / warm.requestsPerSecond()) + " |");
			fresh.terminate(Duration.ofSeconds(30));
		}
		line("");
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

	/** Where one row of the table sends its load. */
	private record Target(String base, String path, String users) {
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
