package dev.coupongateway.drills;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.coupongateway.campaign.CampaignKeys;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sale rehearsal: a production-shaped stack on real processes (three gateway JVMs,
 * two writer JVMs, a Redis Cluster of three masters and three replicas, a Kafka broker,
 * PostgreSQL), one campaign, and a crowd played by k6 ({@code k6/crowd.js}) that creates
 * the campaign as it starts; optionally one fault in the middle of the surge (a gateway
 * or a Redis master SIGKILLed). Afterwards, once the writers stored every grant
 * (bounded), what the stores hold goes to {@code stores.json} and {@code coupons.csv} in
 * {@code OUT}, next to k6's {@code people.log}. Settings from the environment, see
 * {@code bench/rehearsal.sh}; never part of CI.
 */
public final class SaleRehearsal {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final Path out = Path.of(env("OUT", "target/rehearsal/" + System.currentTimeMillis())).toAbsolutePath();

	private final int people = Integer.parseInt(env("PEOPLE", "200000"));

	private final int stock = Integer.parseInt(env("STOCK", "1000"));

	private final int limit = Integer.parseInt(env("LIMIT", "1"));

	private final int buckets = Integer.parseInt(env("BUCKETS", "3"));

	private final boolean waitingRoom = "on".equals(env("WAITING_ROOM", "off"));

	private final int admitPerSecond = Integer.parseInt(env("ADMIT_PER_SECOND", "100"));

	private final String fault = env("FAULT", "none");

	/** The line's admission boundary as seen every 100 ms: [epoch ms, admitted up to]. */
	private final List<long[]> boundary = new ArrayList<>();

	private final int surgeSeconds = Integer.parseInt(env("SURGE_SECONDS", "60"));

	private final boolean rateLimits = "on".equals(env("RATE_LIMITS", "on"));

	private final Duration rowsTimeout = Duration.ofSeconds(Long.parseLong(env("ROWS_TIMEOUT_SECONDS", "120")));

	private final Map<String, Object> phases = new LinkedHashMap<>();

	private long phaseStart = System.currentTimeMillis();

	public static void main(String[] args) throws Exception {
		int status = new SaleRehearsal().run();
		System.exit(status);
	}

	private int run() throws Exception {
		Drills.createDirectories(this.out);
		List<String> settings = new ArrayList<>(List.of(
				// the crowd comes through a proxy on this host that sets X-Forwarded-For
				"--coupon.edge.trusted-proxies=127.0.0.1",
				// the production default, not the drills' short one: the JIT has the
				// claim path
				// compiled before the opening, not during the surge
				"--coupon.issue.warmup-requests=" + env("WARMUP", "2000")));
		if (this.rateLimits) {
			settings.addAll(List.of("--coupon.limits.user-interval=" + env("USER_INTERVAL", "1s"),
					"--coupon.limits.user-burst=" + env("USER_BURST", "3"),
					"--coupon.limits.address-interval=" + env("ADDRESS_INTERVAL", "20ms"),
					"--coupon.limits.address-burst=" + env("ADDRESS_BURST", "50")));
		}
		try (DrillStack stack = new DrillStack("SaleRehearsal", settings, true)) {
			stack.startServers();
			List<GatewayProcess> writers = List.of(stack.instance("writer-1", "writer"),
					stack.instance("writer-2", "writer"));
			List<GatewayProcess> gateways = List.of(stack.instance("gateway-1", "gateway"),
					stack.instance("gateway-2", "gateway"), stack.instance("gateway-3", "gateway"));
			List<GatewayProcess> all = new ArrayList<>(writers);
			all.addAll(gateways);
			stack.start(all.toArray(GatewayProcess[]::new));
			phase("stackStartedMs");
			String campaign = stack.cluster.idOnDistinctMasters("sale", this.buckets);
			Map<String, Object> faultRecord = new LinkedHashMap<>();
			faultRecord.put("kind", this.fault);
			long[] opened = new long[1];
			int k6Exit;
			ScheduledExecutorService faults = Executors.newScheduledThreadPool(2);
			RedisClusterClient lineClient = this.waitingRoom ? clusterClient(stack) : null;
			try {
				Process k6 = startCrowd(stack, gateways, campaign);
				opened[0] = awaitOpening(stack, campaign, k6);
				Drills.log("Sale " + campaign + " opened; the crowd arrives");
				if (lineClient != null) {
					// the line's admission boundary, every 100 ms: the time each place
					// was
					// admitted (Redis keeps its admission records only while their
					// tickets
					// may be valid)
					StatefulRedisClusterConnection<String, String> line = lineClient.connect();
					String state = CampaignKeys.of(campaign).queueState();
					faults.scheduleAtFixedRate(() -> {
						try {
							String admitted = line.sync().hget(state, "admitted");
							long upTo = (admitted != null) ? Long.parseLong(admitted) : 0;
							synchronized (this.boundary) {
								if (this.boundary.isEmpty() || this.boundary.get(this.boundary.size() - 1)[1] != upTo) {
									this.boundary.add(new long[] { System.currentTimeMillis(), upTo });
								}
							}
						}
						catch (RuntimeException ex) {
							// a failover in progress: the next look sees the boundary
						}
					}, 0, 100, TimeUnit.MILLISECONDS);
				}
				if (!"none".equals(this.fault)) {
					long delay = Math.max(0, opened[0] + this.surgeSeconds * 500L - System.currentTimeMillis());
					faults.schedule(() -> inject(stack, gateways.get(2), campaign, faultRecord), delay,
							TimeUnit.MILLISECONDS);
				}
				k6Exit = k6.waitFor();
				Drills.log("k6 exited with " + k6Exit);
			}
			finally {
				faults.shutdownNow();
				if (lineClient != null) {
					lineClient.shutdown();
				}
			}
			phase("crowdMs");
			long settled = awaitRows(stack, campaign);
			phase("rowsSettledMs");
			Map<String, Object> stores = stores(stack, campaign, gateways, faultRecord, opened[0], settled, k6Exit);
			if (this.waitingRoom) {
				dumpLine(stack, campaign, stores);
			}
			copyLogs(stack.dir);
			phase("dumpMs");
			stores.put("phases", this.phases);
			stores.put("logs", this.out.resolve("logs").toString());
			Files.writeString(this.out.resolve("stores.json"),
					json.writerWithDefaultPrettyPrinter().writeValueAsString(stores), StandardCharsets.UTF_8);
			Drills.log("Stores' view in " + this.out.resolve("stores.json") + ": " + stores.get("rows") + " rows, "
					+ stores.get("grantedInRedis") + " granted in Redis, per-user max " + stores.get("perUserMax"));
			return (k6Exit == 0 || k6Exit == 99) ? 0 : k6Exit;
		}
	}

	/**
	 * k6 with the crowd; it creates the campaign in its setup, right before the crowd.
	 */
	private Process startCrowd(DrillStack stack, List<GatewayProcess> gateways, String campaign) throws IOException {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("id", campaign);
		body.put("name", "Sale rehearsal");
		body.put("totalStock", this.stock);
		body.put("perUserLimit", this.limit);
		body.put("buckets", this.buckets);
		if (this.waitingRoom) {
			body.put("waitingRoom",
					Map.of("admitPerSecond", this.admitPerSecond, "ticketTtl", env("TICKET_TTL", "PT1M")));
		}
		String bases = String.join(",", gateways.stream().map((g) -> g.baseUri().toString()).toList());
		List<String> command = new ArrayList<>(List.of(env("K6", "/tmp/i17-k6/k6"), "run", "--log-format=raw",
				"--console-output=" + this.out.resolve("people.log"),
				"--summary-export=" + this.out.resolve("k6-summary.json"), "-e", "BASES=" + bases, "-e",
				"CAMPAIGN_BODY=" + json.writeValueAsString(body), "-e", "ADMIN_TOKEN=" + Drills.ADMIN_TOKEN, "-e",
				"WAITING_ROOM=" + (this.waitingRoom ? "on" : "off")));
		// the crowd's own settings, as given
		for (String name : List.of("PEOPLE", "SURGE_SECONDS", "TAIL_SECONDS", "TAIL_LEVEL", "PATIENCE", "RETRY_CAP",
				"POLL_MAX", "BOT_VUS", "BOT_USERS", "BOT_ADDRESSES", "PRE_VUS", "MAX_VUS")) {
			String value = System.getenv(name);
			if (value != null && !value.isBlank()) {
				command.addAll(List.of("-e", name + "=" + value));
			}
		}
		command.add(Drills.projectDir().resolve("k6").resolve("crowd.js").toString());
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.out.resolve("k6-stdout.txt").toFile());
		builder.environment().put("K6_NO_USAGE_REPORT", "true");
		if (!"off".equals(env("DASHBOARD", "on"))) {
			builder.environment().put("K6_WEB_DASHBOARD", "true");
			builder.environment().put("K6_WEB_DASHBOARD_PORT", Integer.toString(Drills.freePort()));
			builder.environment().put("K6_WEB_DASHBOARD_EXPORT", this.out.resolve("k6-dashboard.html").toString());
		}
		Drills.log("k6: " + String.join(" ", command));
		return Drills.track(builder.start());
	}

	/**
	 * When the campaign first answers on its stock route: k6's setup created it, the
	 * crowd starts now.
	 */
	private static long awaitOpening(DrillStack stack, String campaign, Process k6) {
		long deadline = System.currentTimeMillis() + 180_000;
		while (System.currentTimeMillis() < deadline && k6.isAlive()) {
			if (stack.stock(campaign) != null) {
				return System.currentTimeMillis();
			}
			Drills.sleep(20);
		}
		throw new IllegalStateException("the campaign did not open (k6 alive: " + k6.isAlive() + ")");
	}

	private void inject(DrillStack stack, GatewayProcess gateway, String campaign, Map<String, Object> record) {
		try {
			record.put("at", System.currentTimeMillis());
			if ("gateway".equals(this.fault)) {
				gateway.kill();
				record.put("target", gateway.name() + " " + gateway.baseUri());
			}
			else if ("redis-master".equals(this.fault)) {
				int master = stack.cluster.masterOf(CampaignKeys.of(campaign, this.buckets > 1 ? 1 : 0).settings());
				stack.cluster.kill(master);
				record.put("target", "redis node " + master + " (port " + stack.cluster.port(master)
						+ "), master of bucket " + (this.buckets > 1 ? 1 : 0));
			}
			else {
				record.put("target", "unknown fault " + this.fault + ": none injected");
			}
			Drills.log("FAULT " + this.fault + ": " + record.get("target"));
		}
		catch (RuntimeException ex) {
			record.put("error", ex.toString());
			Drills.log("FAULT " + this.fault + " failed: " + ex);
		}
	}

	/**
	 * Until PostgreSQL holds as many rows as Redis granted, unchanged for two looks
	 * (bounded); the moment it was seen, or -1.
	 */
	private long awaitRows(DrillStack stack, String campaign) {
		long deadline = System.currentTimeMillis() + this.rowsTimeout.toMillis();
		long previous = -1;
		while (System.currentTimeMillis() < deadline) {
			DrillStack.Stock stock = stack.stock(campaign);
			long rows = rows(stack, campaign);
			if (stock != null && rows == stock.issued() && rows == previous) {
				Drills.log(rows + " rows stored, as granted");
				return System.currentTimeMillis();
			}
			previous = rows;
			Drills.sleep(500);
		}
		Drills.log("rows did not settle within " + this.rowsTimeout.toSeconds() + " s");
		return -1;
	}

	private static long rows(DrillStack stack, String campaign) {
		try (Connection connection = stack.postgres.connect();
				PreparedStatement select = connection
					.prepareStatement("SELECT count(*) FROM coupon WHERE campaign_id = ?")) {
			select.setString(1, campaign);
			try (ResultSet result = select.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
		catch (SQLException ex) {
			return -1;
		}
	}

	/** stores.json's fields, and coupons.csv (every row of the campaign). */
	private Map<String, Object> stores(DrillStack stack, String campaign, List<GatewayProcess> gateways,
			Map<String, Object> fault, long opened, long settled, int k6Exit) throws SQLException, IOException {
		Map<String, Object> stores = new LinkedHashMap<>();
		stores.put("campaign", campaign);
		stores.put("stock", this.stock);
		stores.put("limit", this.limit);
		stores.put("buckets", this.buckets);
		stores.put("people", this.people);
		Map<String, Integer> byUser = new LinkedHashMap<>();
		long first = Long.MAX_VALUE;
		long last = Long.MIN_VALUE;
		long lastStored = Long.MIN_VALUE;
		int rows = 0;
		try (Connection connection = stack.postgres.connect();
				PreparedStatement select = connection
					.prepareStatement("SELECT user_id, coupon_id::text, sequence, issued_at, stored_at FROM coupon "
							+ "WHERE campaign_id = ? ORDER BY sequence");
				BufferedWriter csv = Files.newBufferedWriter(this.out.resolve("coupons.csv"))) {
			csv.write("user_id,coupon_id,sequence,issued_at,stored_at\n");
			select.setString(1, campaign);
			try (ResultSet result = select.executeQuery()) {
				while (result.next()) {
					String user = result.getString(1);
					long issued = millis(result.getTimestamp(4));
					long stored = millis(result.getTimestamp(5));
					csv.write(user + "," + result.getString(2) + "," + result.getInt(3) + "," + issued + "," + stored
							+ "\n");
					byUser.merge(user, 1, Integer::sum);
					first = Math.min(first, issued);
					last = Math.max(last, issued);
					lastStored = Math.max(lastStored, stored);
					rows++;
				}
			}
			stores.put("rows", rows);
			stores.put("perUserMax", byUser.values().stream().mapToInt(Integer::intValue).max().orElse(0));
			Map<String, Integer> above = new LinkedHashMap<>();
			byUser.forEach((user, n) -> {
				if (n > this.limit) {
					above.put(user, n);
				}
			});
			stores.put("rowsByUser", above);
			DrillStack.Stock stock = stack.stock(campaign);
			stores.put("grantedInRedis", (stock != null) ? stock.issued() : null);
			stores.put("remainingInRedis", (stock != null) ? stock.remaining() : null);
			stores.put("firstRowAt", (rows > 0) ? first : null);
			stores.put("lastRowAt", (rows > 0) ? last : null);
			stores.put("lastRowStoredAt", (rows > 0) ? lastStored : null);
			stores.put("rowsSettledAt", (settled > 0) ? settled : null);
			try (PreparedStatement conflicts = connection
				.prepareStatement("SELECT count(*) FROM coupon_conflict WHERE campaign_id = ?")) {
				conflicts.setString(1, campaign);
				try (ResultSet result = conflicts.executeQuery()) {
					result.next();
					stores.put("conflicts", result.getLong(1));
				}
			}
		}
		stores.put("fault", fault);
		// the opening: the campaign's creation as PostgreSQL recorded it (the run's
		// own look may come seconds late on a drowning box)
		stores.put("saleOpenedAt", createdAt(stack, campaign, opened));
		stores.put("openingSeenAt", opened);
		stores.put("gateways", gateways.stream().map((g) -> g.baseUri().toString()).toList());
		stores.put("waitingRoom", this.waitingRoom);
		if (this.waitingRoom) {
			stores.put("admitPerSecond", this.admitPerSecond);
		}
		stores.put("rateLimits", this.rateLimits);
		stores.put("k6Exit", k6Exit);
		return stores;
	}

	private static long createdAt(DrillStack stack, String campaign, long fallback) {
		try (Connection connection = stack.postgres.connect();
				PreparedStatement select = connection
					.prepareStatement("SELECT created_at FROM campaign WHERE id = ?")) {
			select.setString(1, campaign);
			try (ResultSet result = select.executeQuery()) {
				return result.next() ? millis(result.getTimestamp(1)) : fallback;
			}
		}
		catch (SQLException ex) {
			return fallback;
		}
	}

	private static RedisClusterClient clusterClient(DrillStack stack) {
		return RedisClusterClient.create(List.of(stack.cluster.nodes().split(","))
			.stream()
			.map((node) -> RedisURI.create("redis://" + node))
			.toList());
	}

	/**
	 * The waiting room's line as Redis holds it: every place (join order) and the
	 * admission records still kept (those of tickets that may still be valid).
	 */
	private void dumpLine(DrillStack stack, String campaign, Map<String, Object> stores) throws IOException {
		CampaignKeys keys = CampaignKeys.of(campaign);
		RedisClusterClient client = clusterClient(stack);
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			Map<String, String> places = connection.sync().hgetall(keys.queue());
			try (BufferedWriter csv = Files.newBufferedWriter(this.out.resolve("waiting-room-line.csv"))) {
				csv.write("user_id,place\n");
				places.entrySet()
					.stream()
					.sorted(Map.Entry.comparingByValue((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b))))
					.forEach((entry) -> write(csv, entry.getKey() + "," + entry.getValue() + "\n"));
			}
			List<ScoredValue<String>> admissions = connection.sync().zrangeWithScores(keys.admissions(), 0, -1);
			try (BufferedWriter csv = Files.newBufferedWriter(this.out.resolve("waiting-room-admissions.csv"))) {
				csv.write("admitted_up_to_place,admitted_at\n");
				for (ScoredValue<String> admission : admissions) {
					String member = admission.getValue();
					csv.write((long) admission.getScore() + "," + member.substring(member.indexOf(':') + 1) + "\n");
				}
			}
			// each place's admission: the first look at the boundary that had passed it
			// (admitted_ms empty when never admitted), for the report's join-order check
			List<long[]> boundary;
			synchronized (this.boundary) {
				boundary = new ArrayList<>(this.boundary);
			}
			try (BufferedWriter csv = Files.newBufferedWriter(this.out.resolve("admissions.csv"))) {
				csv.write("user_id,place,admitted_ms\n");
				places.entrySet()
					.stream()
					.sorted(Map.Entry.comparingByValue((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b))))
					.forEach((entry) -> {
						long place = Long.parseLong(entry.getValue());
						String at = boundary.stream()
							.filter((look) -> look[1] >= place)
							.findFirst()
							.map((look) -> Long.toString(look[0]))
							.orElse("");
						write(csv, entry.getKey() + "," + place + "," + at + "\n");
					});
			}
			stores.put("waitingRoomState", connection.sync().hgetall(keys.queueState()));
			stores.put("waitingRoomPlaces", places.size());
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * The processes' logs into {@code OUT/logs}: the next run of the stack empties its
	 * directory.
	 */
	private void copyLogs(Path stackDir) throws IOException {
		Path logs = Drills.createDirectories(this.out.resolve("logs"));
		try (var files = Files.list(stackDir)) {
			for (Path file : files.filter((f) -> f.getFileName().toString().endsWith(".log")).toList()) {
				Files.copy(file, logs.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
			}
		}
	}

	private static void write(BufferedWriter writer, String text) {
		try {
			writer.write(text);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void phase(String name) {
		long now = System.currentTimeMillis();
		this.phases.put(name, now - this.phaseStart);
		this.phaseStart = now;
		Drills.log("phase " + name + ": " + this.phases.get(name) + " ms");
	}

	private static long millis(Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant().toEpochMilli() : Instant.EPOCH.toEpochMilli();
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value == null || value.isBlank()) ? fallback : value;
	}

}
