package dev.coupongateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis Cluster on loopback: three masters, each with one replica, six
 * embedded-redis servers ({@code cluster-enabled yes}) joined with {@code CLUSTER MEET},
 * {@code ADDSLOTS} and {@code REPLICATE}, so cluster tests need nothing but the JDK. A
 * master can be stopped (its replica takes over after the node timeout) and started again
 * (it rejoins as a replica).
 */
public final class LoopbackRedisCluster implements AutoCloseable {

	private static final int MASTERS = 3;

	/** How long a master may be silent before its replica takes over. */
	private static final int NODE_TIMEOUT_MS = 1000;

	private final List<Node> nodes = new ArrayList<>();

	private final Path dir;

	public LoopbackRedisCluster() {
		try {
			this.dir = Files.createTempDirectory("redis-cluster");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		for (int i = 0; i < MASTERS * 2; i++) {
			this.nodes.add(new Node(this.dir.resolve("node-" + i)));
		}
	}

	/**
	 * Starts the six servers and forms the cluster; returns once every slot is served and
	 * replicas are in sync.
	 */
	public LoopbackRedisCluster start() {
		this.nodes.forEach(Node::start);
		Node first = this.nodes.get(0);
		this.nodes.forEach((node) -> first.run((redis) -> redis.clusterMeet("127.0.0.1", node.port)));
		int perMaster = 16384 / MASTERS;
		for (int m = 0; m < MASTERS; m++) {
			int from = m * perMaster;
			int to = (m == MASTERS - 1) ? 16383 : from + perMaster - 1;
			int[] slots = IntStream.rangeClosed(from, to).toArray();
			this.nodes.get(m).run((redis) -> redis.clusterAddSlots(slots));
		}
		await("every node knows the others").atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> this.nodes.stream()
				.allMatch((node) -> node.call((redis) -> redis.clusterNodes()).lines().count() == this.nodes.size()));
		for (int m = 0; m < MASTERS; m++) {
			String masterId = this.nodes.get(m).call((redis) -> redis.clusterMyId());
			this.nodes.get(MASTERS + m).run((redis) -> redis.clusterReplicate(masterId));
		}
		awaitHealthy();
		return this;
	}

	/**
	 * Waits until every running node says the cluster is ok and every replica is in sync
	 * with its master.
	 */
	public void awaitHealthy() {
		await("cluster ok").atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(200))
			.ignoreExceptions()
			.until(() -> this.nodes.stream().filter(Node::running).allMatch((node) -> {
				String info = node.call((redis) -> redis.clusterInfo());
				String replication = node.call((redis) -> redis.info("replication"));
				boolean synced = replication.contains("role:master") || replication.contains("master_link_status:up");
				return info.contains("cluster_state:ok") && synced;
			}));
	}

	/**
	 * {@code spring.data.redis.cluster.nodes}: every node, as a client would be
	 * configured.
	 */
	public String nodes() {
		return this.nodes.stream().map((node) -> "127.0.0.1:" + node.port).collect(Collectors.joining(","));
	}

	/** The index of the node that serves {@code key}'s slot as master now. */
	public int masterOf(String key) {
		Node any = this.nodes.stream().filter(Node::running).findFirst().orElseThrow();
		int slot = any.call((redis) -> redis.clusterKeyslot(key)).intValue();
		for (Object range : any.call((redis) -> redis.clusterSlots())) {
			List<?> slots = (List<?>) range;
			if (((Number) slots.get(0)).intValue() <= slot && slot <= ((Number) slots.get(1)).intValue()) {
				int port = ((Number) ((List<?>) slots.get(2)).get(1)).intValue();
				return IntStream.range(0, this.nodes.size())
					.filter((i) -> this.nodes.get(i).port == port)
					.findFirst()
					.orElseThrow();
			}
		}
		throw new IllegalStateException("No master serves slot " + slot);
	}

	/**
	 * Stops node {@code index} (its data stays on disk in its directory only as the
	 * cluster config).
	 */
	public void stop(int index) {
		this.nodes.get(index).stop();
	}

	/**
	 * SIGKILLs node {@code index} (its pid from {@code INFO server}): a crash, nothing
	 * flushed, nothing handed over.
	 */
	public void kill(int index) {
		this.nodes.get(index).kill();
	}

	/**
	 * Starts node {@code index} again; a former master comes back as a replica of whoever
	 * took over.
	 */
	public void restart(int index) {
		this.nodes.get(index).start();
	}

	/** Runs a command on node {@code index}, for tests that look at one shard. */
	public <T> T on(int index, Function<RedisCommands<String, String>, T> command) {
		return this.nodes.get(index).call(command);
	}

	/** The port node {@code index} listens on. */
	public int port(int index) {
		return this.nodes.get(index).port;
	}

	/**
	 * A campaign id, {@code prefix-n}, whose {@code buckets} buckets are served by as
	 * many different masters now (bucket tags hash to slots at random: ids are tried
	 * until they fall apart).
	 */
	public String idOnDistinctMasters(String prefix, int buckets) {
		for (int attempt = 0;; attempt++) {
			String id = prefix + "-" + attempt;
			if (dev.coupongateway.campaign.CampaignKeys.all(id, buckets)
				.stream()
				.map((keys) -> masterOf(keys.settings()))
				.distinct()
				.count() == buckets) {
				return id;
			}
		}
	}

	/** Indexes of the nodes that are masters now. */
	public List<Integer> masters() {
		List<Integer> masters = new ArrayList<>();
		for (int i = 0; i < this.nodes.size(); i++) {
			Node node = this.nodes.get(i);
			if (node.running() && node.call((redis) -> redis.info("replication")).contains("role:master")) {
				masters.add(i);
			}
		}
		return masters;
	}

	@Override
	public void close() {
		this.nodes.forEach(Node::stop);
	}

	/** One server of the cluster, its cluster state in a directory of its own. */
	private static final class Node {

		private final RestartableRedis server;

		private final int port;

		Node(Path dir) {
			try {
				Files.createDirectories(dir);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.server = new RestartableRedis("dir " + dir, "cluster-enabled yes", "cluster-config-file nodes.conf",
					"cluster-node-timeout " + NODE_TIMEOUT_MS,
					// as production should run it: the masters still up serve their slots
					// while one fails over
					"cluster-require-full-coverage no");
			this.port = this.server.port();
		}

		void start() {
			this.server.start();
		}

		void stop() {
			this.server.stop();
		}

		boolean running() {
			return this.server.running();
		}

		void kill() {
			if (!running()) {
				return;
			}
			String info = call((redis) -> redis.info("server"));
			long pid = info.lines()
				.filter((line) -> line.startsWith("process_id:"))
				.mapToLong((line) -> Long.parseLong(line.substring("process_id:".length()).strip()))
				.findFirst()
				.orElseThrow();
			ProcessHandle.of(pid).ifPresent((process) -> {
				process.destroyForcibly();
				process.onExit().join();
			});
			stop();
		}

		void run(Consumer<RedisCommands<String, String>> command) {
			call((redis) -> {
				command.accept(redis);
				return null;
			});
		}

		<T> T call(Function<RedisCommands<String, String>, T> command) {
			RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", this.port));
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				return command.apply(connection.sync());
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
			}
		}

	}

}
