package dev.coupongateway.drills;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.Paths;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;

import org.springframework.core.io.ClassPathResource;

/**
 * One hot campaign on a Redis Cluster of three masters (loopback, this box): claim
 * scripts a second with the campaign on one slot (one shard does all the work) against
 * three buckets on three shards, Redis alone ({@code redis-benchmark} firing
 * {@code issue.lua}) and through the gateway ({@code wrk}, one gateway+writer JVM); then
 * what a stock move between two buckets costs (three scripts: reserve, credit, release).
 * Side by side, {@code RUNS} times, medians. Writes
 * {@code target/drills/cluster-scaling.md}. Run by {@code bench/cluster-scaling.sh};
 * never part of CI.
 */
public final class ClusterScalingBench {

	private final int runs = Integer.parseInt(env("RUNS", "3"));

	private final Duration duration = Duration.parse("PT" + env("DURATION", "10s").toUpperCase());

	private final StringBuilder report = new StringBuilder();

	private static final int SCRIPTS_PER_CLIENT = 300_000;

	public static void main(String[] args) throws Exception {
		new ClusterScalingBench().run();
		System.exit(0);
	}

	private void run() throws Exception {
		try (DrillStack stack = new DrillStack("ClusterScalingBench", List.of("--logging.level.root=WARN"), true)) {
			stack.startServers();
			RedisClusterClient client = RedisClusterClient.create(List.of(stack.cluster.nodes().split(","))
				.stream()
				.map((node) -> RedisURI.create("redis://" + node))
				.toList());
			try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
				line("# One hot campaign over Redis Cluster shards");
				line("");
				line("Command: `bench/cluster-scaling.sh` (" + Instant.now() + ", "
						+ Runtime.getRuntime().availableProcessors() + " cores, Java "
						+ System.getProperty("java.version")
						+ "). Redis Cluster of 3 masters + 3 replicas (embedded-redis 6.2) on loopback; every process on "
						+ "the same 2 cores. Each figure: " + this.duration.toSeconds() + " s, median of " + this.runs
						+ " runs taken side by side.");
				line("");
				scripts(stack, connection);
				moves(stack, connection);
			}
			client.shutdown();
			claims(stack);
		}
		Path out = Drills.root().resolve("cluster-scaling.md");
		Drills.write(out, this.report.toString());
		System.out.println(this.report);
		Drills.log("Report written to " + out);
	}

	/**
	 * {@code issue.lua} a second, Redis alone, the load from three
	 * {@code redis-benchmark} processes (C, pipelined, so the client is not what limits):
	 * all three on the one shard of a one-bucket campaign, or one on each shard of a
	 * three-bucket campaign.
	 */
	private void scripts(DrillStack stack, StatefulRedisClusterConnection<String, String> connection) throws Exception {
		String script = new ClassPathResource("scripts/issue.lua").getContentAsString(StandardCharsets.UTF_8);
		Map<Integer, List<Long>> rates = new LinkedHashMap<>();
		Map<Integer, String> cores = new LinkedHashMap<>();
		for (int run = 1; run <= this.runs; run++) {
			for (int buckets : List.of(1, 3)) {
				for (int master : stack.cluster.masters()) {
					stack.cluster.on(master, (redis) -> redis.flushall());
				}
				String sha = loadEverywhere(stack, connection, script);
				String campaign = seed(stack, connection.sync(), "scripts-" + buckets + "-" + run, buckets,
						100_000_000);
				Map<Integer, Long> before = redisTicks(stack);
				long started = System.nanoTime();
				List<Process> clients = new ArrayList<>();
				for (int client = 0; client < 3; client++) {
					CampaignKeys bucket = CampaignKeys.of(campaign, client % buckets);
					int port = stack.cluster.port(stack.cluster.masterOf(bucket.settings()));
					List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
							Integer.toString(port), "-n", Integer.toString(SCRIPTS_PER_CLIENT), "-c", "16", "-P", "8",
							"-r", "1000000000", "-q", "EVALSHA", sha, "6"));
					command.addAll(bucket.claimKeys("u" + client + "__rand_int__", "a"));
					command.addAll(List.of("u" + client + "__rand_int__", "c__rand_int__", "0", "0", "0", "0"));
					clients.add(new ProcessBuilder(command).redirectErrorStream(true)
						.redirectOutput(Drills.root().resolve("redis-benchmark-" + client + ".log").toFile())
						.start());
				}
				for (Process client : clients) {
					if (!client.waitFor(5, TimeUnit.MINUTES) || client.exitValue() != 0) {
						throw new IllegalStateException(
								"redis-benchmark failed, see target/drills/redis-benchmark-*.log");
					}
				}
				double seconds = (System.nanoTime() - started) / 1e9;
				long rate = Math.round(3L * SCRIPTS_PER_CLIENT / seconds);
				rates.computeIfAbsent(buckets, (b) -> new ArrayList<>()).add(rate);
				if (run == 1) {
					cores.put(buckets, redisCores(stack, before, seconds));
				}
				Drills.log("scripts, " + buckets + " bucket(s), run " + run + ": " + rate + "/s");
			}
		}
		line("## Claim scripts a second, Redis alone");
		line("");
		line("Three `redis-benchmark` processes (`-c 16 -P 8`), " + SCRIPTS_PER_CLIENT
				+ " `EVALSHA issue.lua` each for "
				+ "random new users (so nearly every call is a grant, 100,000,000 coupons); all three on the one master "
				+ "of a one-bucket campaign, or one on each master of a three-bucket campaign. Each figure: all calls over "
				+ "the wall time of the three.");
		line("");
		line("| layout | scripts/s (median) | runs | ratio to 1 shard | Redis cores used, run 1 (per master) |");
		line("|---|---|---|---|---|");
		long one = medianOf(rates.get(1));
		for (Map.Entry<Integer, List<Long>> entry : rates.entrySet()) {
			long median = medianOf(entry.getValue());
			line("| " + ((entry.getKey() == 1) ? "1 bucket, 1 shard" : "3 buckets, 3 shards") + " | " + median + " | "
					+ entry.getValue() + " | " + String.format("%.2f", (double) median / one) + " | "
					+ cores.get(entry.getKey()) + " |");
		}
		line("");
	}

	/** What one move costs: three scripts on two shards, one after the other. */
	private void moves(DrillStack stack, StatefulRedisClusterConnection<String, String> connection) throws Exception {
		String script = new ClassPathResource("scripts/move.lua").getContentAsString(StandardCharsets.UTF_8);
		String sha = loadEverywhere(stack, connection, script);
		RedisAdvancedClusterCommands<String, String> redis = connection.sync();
		String campaign = seed(stack, redis, "moves", 2, 10_000_000);
		CampaignKeys source = CampaignKeys.of(campaign, 0);
		CampaignKeys target = CampaignKeys.of(campaign, 1);
		int count = 2_000;
		List<Long> micros = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String moveId = UUID.randomUUID().toString();
			long started = System.nanoTime();
			List<Object> reserved = redis.evalsha(sha, ScriptOutputType.MULTI,
					new String[] { source.settings(), source.free(), source.journal() }, "reserve", moveId, "1", "1",
					"g");
			redis.evalsha(sha, ScriptOutputType.INTEGER,
					new String[] { target.settings(), target.free(), target.moves() }, "credit", moveId, "g",
					String.valueOf(reserved.get(0)));
			redis.evalsha(sha, ScriptOutputType.INTEGER,
					new String[] { source.settings(), source.free(), source.journal() }, "release", moveId, "0");
			micros.add((System.nanoTime() - started) / 1_000);
		}
		micros.sort(Long::compare);
		line("## A stock move between two buckets");
		line("");
		line(count + " moves of one unit, one after another, between buckets on two different masters (reserve, "
				+ "credit, release: three round trips). A claim that finds its bucket empty pays one such move (plus "
				+ "reading the buckets' stock, one script per bucket) and runs its own script again; a refill moves half "
				+ "of the fullest bucket, so this happens about log2(stock / buckets) times per bucket, not per claim.");
		line("");
		line("| per move | p50 | p99 |");
		line("|---|---|---|");
		line("| wall time | " + String.format("%.2f ms", micros.get(count / 2) / 1000.0) + " | "
				+ String.format("%.2f ms", micros.get(count * 99 / 100) / 1000.0) + " |");
		line("");
	}

	/**
	 * Claims a second through one gateway+writer JVM: the campaign on one bucket against
	 * three buckets.
	 */
	private void claims(DrillStack stack) throws Exception {
		GatewayProcess gateway = stack.instance("gateway-writer", "gateway,writer")
			.jvm(List.of("-Xms512m", "-Xmx512m"));
		stack.start(gateway);
		String one = stack.createCampaign("claims-one", 10_000_000, 1, 1);
		String three = stack.createCampaign(stack.cluster.idOnDistinctMasters("claims-three", 3), 10_000_000, 1, 3);
		String base = gateway.baseUri().toString();
		Wrk.run(base, path(one), "warmup", "30s", 64, null);
		Wrk.run(base, path(three), "warmup", "30s", 64, null);
		Map<String, List<Wrk.Result>> results = new LinkedHashMap<>();
		for (int run = 1; run <= this.runs; run++) {
			for (String campaign : List.of(one, three)) {
				Wrk.Result result = Wrk.run(base, path(campaign), "run" + run, this.duration.toSeconds() + "s", 64,
						null);
				results.computeIfAbsent(campaign, (c) -> new ArrayList<>()).add(result);
				Drills.log("claims " + campaign + " run " + run + ": " + result);
			}
		}
		line("## Claims a second through the gateway");
		line("");
		line("`wrk -t1 -c64 -d" + this.duration.toSeconds() + "s`, a new user per request (every claim a grant, "
				+ "Kafka ack awaited), one gateway+writer JVM (`-Xms512m -Xmx512m`) on the cluster, after 30 s of load on each campaign.");
		line("");
		line("| campaign | claims/s (median) | runs | p50 ms | p99 ms |");
		line("|---|---|---|---|---|");
		for (Map.Entry<String, List<Wrk.Result>> entry : results.entrySet()) {
			Wrk.Result median = Wrk.median(entry.getValue());
			line("| " + (entry.getKey().equals(one) ? "1 bucket, 1 shard" : "3 buckets, 3 shards") + " | "
					+ median.requestsPerSecond() + " | "
					+ entry.getValue().stream().map(Wrk.Result::requestsPerSecond).toList() + " | " + median.p50()
					+ " | " + median.p99() + " |");
		}
		line("");
		sellOut(stack, gateway);
	}

	/**
	 * A three-bucket campaign sold out through the gateway: every claim a new user, so
	 * the buckets drain unevenly at the end and stock moves to those that run dry. What
	 * was stranded shows as claims answered sold out while stock was in transit
	 * ({@code BUCKET_EMPTY}) and as stock left after the spike.
	 */
	private void sellOut(DrillStack stack, GatewayProcess gateway) throws Exception {
		int stock = 20_000;
		String campaign = stack.createCampaign(stack.cluster.idOnDistinctMasters("sell-out", 3), stock, 1, 3);
		String base = gateway.baseUri().toString();
		String before = stack.counters("coupon_stock_moved_total");
		Wrk.Result result = Wrk.run(base, path(campaign), "sell-out", "15s", 64, null);
		DrillStack.Stock after = stack.stock(campaign);
		String metrics = metrics(gateway, campaign);
		line("## Sell-out of a three-bucket campaign");
		line("");
		line("`wrk -t1 -c64 -d15s`, a new user per request, against a campaign of " + stock + " coupons over 3 buckets "
				+ "on 3 masters: " + result + ". After the spike: issued " + after.issued() + ", remaining "
				+ after.remaining() + ". Claims by outcome on the gateway: " + metrics + "; units moved (before: "
				+ before + "): " + stack.counters("coupon_stock_moved_total")
				+ ". `BUCKET_EMPTY` counts the claims answered sold "
				+ "out while some stock was still in transit between buckets (stranded at that moment).");
		line("");
	}

	private static String metrics(GatewayProcess gateway, String campaign) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(gateway.baseUri().resolve("/actuator/prometheus")).build(),
					HttpResponse.BodyHandlers.ofString());
		List<String> outcomes = new ArrayList<>();
		for (String line : response.body().split("\n")) {
			if (line.startsWith("coupon_claims_total{")
					&& (line.contains("SOLD_OUT") || line.contains("BUCKET_EMPTY"))) {
				outcomes.add(line.replaceAll(".*outcome=\"([A-Z_]+)\".*} (\\S+)", "$1=$2"));
			}
		}
		return String.join(", ", outcomes);
	}

	private static String path(String campaign) {
		return Paths.of(Paths.COUPONS, campaign);
	}

	/**
	 * A campaign's Redis state written directly (no gateway): {@code buckets} ranges over
	 * {@code total}.
	 */
	private static String seed(DrillStack stack, RedisAdvancedClusterCommands<String, String> redis, String prefix,
			int buckets, int total) {
		String id = stack.cluster.idOnDistinctMasters(prefix, buckets);
		for (CampaignKeys keys : CampaignKeys.all(id, buckets)) {
			long seq = (long) total * keys.bucket() / buckets;
			long last = (long) total * (keys.bucket() + 1) / buckets;
			redis.hset(keys.settings(),
					Map.of("total", Integer.toString(total), "limit", "1", "starts", "0", "ends", "0", "paused", "0",
							"issued", "0", "seq", Long.toString(seq), "last", Long.toString(last), "gen", "g",
							"buckets", Integer.toString(buckets)));
		}
		return id;
	}

	private static String loadEverywhere(DrillStack stack, StatefulRedisClusterConnection<String, String> connection,
			String script) {
		String sha = null;
		for (int master : stack.cluster.masters()) {
			sha = stack.cluster.on(master, (redis) -> redis.scriptLoad(script));
		}
		return sha;
	}

	private static Map<Integer, Long> redisTicks(DrillStack stack) {
		Map<Integer, Long> ticks = new LinkedHashMap<>();
		for (int master : stack.cluster.masters()) {
			ticks.put(master, SpikeSpeedBench.cpuTicks(redisPid(stack, master)));
		}
		return ticks;
	}

	private static String redisCores(DrillStack stack, Map<Integer, Long> before, double seconds) {
		List<String> cores = new ArrayList<>();
		before.forEach((master, ticks) -> cores
			.add(String.format("%.2f", (SpikeSpeedBench.cpuTicks(redisPid(stack, master)) - ticks) / 100.0 / seconds)));
		return String.join(" / ", cores);
	}

	private static long redisPid(DrillStack stack, int node) {
		return stack.cluster.on(node, (redis) -> redis.info("server"))
			.lines()
			.filter((line) -> line.startsWith("process_id:"))
			.mapToLong((line) -> Long.parseLong(line.substring("process_id:".length()).strip()))
			.findFirst()
			.orElse(-1);
	}

	private static long medianOf(List<Long> values) {
		List<Long> sorted = new ArrayList<>(values);
		sorted.sort(Long::compare);
		return sorted.get(sorted.size() / 2);
	}

	private void line(String text) {
		this.report.append(text).append('\n');
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
