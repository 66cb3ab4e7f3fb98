package dev.coupongateway.drills;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.coupongateway.LoopbackRedisCluster;
import dev.coupongateway.system.Paths;

/**
 * The processes of one drill: PostgreSQL, Redis, a Kafka broker and any number of gateway
 * JVMs, each in one or both roles. Everything on fixed ports chosen at construction, so a
 * restart comes back where the others expect it. {@link #close()} stops whatever is still
 * running.
 */
final class DrillStack implements AutoCloseable {

	private static final Pattern REMAINING = Pattern.compile("\"remaining\"\\s*:\\s*(-?\\d+)");

	private static final Pattern ISSUED = Pattern.compile("\"issued\"\\s*:\\s*(-?\\d+)");

	private static final Pattern AGREE = Pattern.compile("\"agree\"\\s*:\\s*(true|false)");

	private static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	final String drill;

	final Path dir;

	final PostgresProcess postgres;

	final RedisProcess redis;

	/**
	 * A Redis Cluster instead of the single Redis, for drills in the many-instances
	 * shape; else null.
	 */
	final LoopbackRedisCluster cluster;

	final KafkaBroker kafka;

	private final Path jar;

	/**
	 * The jar of the next {@link #instance} only (a side-by-side benchmark of two
	 * builds), then the drill's own.
	 */
	private Path jarOverride;

	private final List<String> overrides;

	private final List<GatewayProcess> instances = new CopyOnWriteArrayList<>();

	/**
	 * @param overrides settings every gateway JVM of the drill gets, as
	 * {@code --key=value}
	 */
	DrillStack(String drill, List<String> overrides) {
		this(drill, overrides, false);
	}

	/**
	 * @param overrides settings every gateway JVM of the drill gets, as
	 * {@code --key=value}
	 * @param cluster whether Redis is a cluster of three masters with a replica each
	 */
	DrillStack(String drill, List<String> overrides, boolean cluster) {
		this.cluster = cluster ? new LoopbackRedisCluster() : null;
		this.drill = drill;
		this.dir = Drills.freshDir(drill);
		this.jar = Drills.gatewayJar(this.dir);
		this.postgres = new PostgresProcess(this.dir);
		this.redis = new RedisProcess(this.dir);
		this.kafka = new KafkaBroker(this.dir);
		this.overrides = List.copyOf(overrides);
		Drills.log(drill + ": logs and data in " + this.dir);
	}

	/** PostgreSQL, Redis and Kafka. */
	void startServers() {
		this.postgres.start();
		if (this.cluster != null) {
			this.cluster.start();
			Drills.log("Redis Cluster up: " + this.cluster.nodes());
		}
		else {
			this.redis.start();
		}
		this.kafka.start();
	}

	/** A gateway JVM for this drill's servers (not started). */
	GatewayProcess instance(String name, String roles, String... extra) {
		String redis = (this.cluster != null) ? "--spring.data.redis.cluster.nodes=" + this.cluster.nodes()
				: "--spring.data.redis.url=" + this.redis.url();
		List<String> settings = new ArrayList<>(List.of(redis, "--spring.r2dbc.url=" + this.postgres.r2dbcUrl(),
				"--spring.r2dbc.username=postgres", "--spring.r2dbc.password=postgres",
				"--spring.kafka.bootstrap-servers=" + this.kafka.bootstrapServers()));
		settings.addAll(this.overrides);
		settings.addAll(List.of(extra));
		GatewayProcess instance = new GatewayProcess(name, this.dir,
				(this.jarOverride != null) ? this.jarOverride : this.jar, roles, settings);
		this.jarOverride = null;
		this.instances.add(instance);
		return instance;
	}

	/**
	 * Makes the next {@link #instance} run another build of the gateway (a baseline to
	 * compare with).
	 */
	DrillStack nextFrom(Path jar) {
		this.jarOverride = jar;
		return this;
	}

	/**
	 * Launches the JVMs together (they share 2 cores: starting in parallel is quicker),
	 * waits for each.
	 */
	void start(GatewayProcess... instances) {
		for (GatewayProcess instance : instances) {
			instance.launch();
		}
		for (GatewayProcess instance : instances) {
			instance.awaitHealthy(Duration.ofSeconds(150));
		}
	}

	/** Base URIs of the running instances that play the gateway role. */
	List<URI> gatewayUris() {
		return this.instances.stream()
			.filter(GatewayProcess::playsGateway)
			.filter(GatewayProcess::alive)
			.map(GatewayProcess::baseUri)
			.toList();
	}

	/** Creates a campaign through the admin API of a running gateway. */
	String createCampaign(String id, int totalStock, int perUserLimit) {
		return createCampaign(id, totalStock, perUserLimit, 1);
	}

	/** Creates a campaign whose stock is split into {@code buckets}. */
	String createCampaign(String id, int totalStock, int perUserLimit, int buckets) {
		String body = "{\"id\":\"" + id + "\",\"name\":\"Drill " + this.drill + "\",\"totalStock\":" + totalStock
				+ ",\"perUserLimit\":" + perUserLimit + ",\"buckets\":" + buckets + "}";
		HttpResponse<String> response = send(HttpRequest.newBuilder(gatewayUris().get(0).resolve(Paths.ADMIN_CAMPAIGNS))
			.header("Authorization", "Bearer " + Drills.ADMIN_TOKEN)
			.header("Content-Type", "application/json")
			.timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build());
		if (response == null || response.statusCode() != 201) {
			throw new IllegalStateException("Creating campaign " + id + " failed: "
					+ ((response != null) ? response.statusCode() + " " + response.body() : "no answer"));
		}
		Drills.log("Campaign " + id + ": " + totalStock + " coupons, " + perUserLimit + " per user");
		return id;
	}

	/**
	 * An operator's control ({@code pause}, {@code resume}, {@code end}) through one
	 * instance's admin API; fails unless it answers 200.
	 */
	void control(GatewayProcess instance, String campaignId, String action) {
		HttpResponse<String> response = send(HttpRequest
			.newBuilder(instance.baseUri().resolve(Paths.of(Paths.ADMIN_CAMPAIGN, campaignId) + "/" + action))
			.header("Authorization", "Bearer " + Drills.ADMIN_TOKEN)
			.timeout(Duration.ofSeconds(20))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build());
		if (response == null || response.statusCode() != 200) {
			throw new IllegalStateException(action + " of " + campaignId + " through " + instance.name() + " failed: "
					+ ((response != null) ? response.statusCode() + " " + response.body() : "no answer"));
		}
		Drills.log("Campaign " + campaignId + ": " + action + " through " + instance.name());
	}

	/**
	 * The stock as a gateway shows it ({@code GET /api/campaigns/{id}/stock}), or null
	 * when none answers 200.
	 */
	Stock stock(String campaignId) {
		for (URI uri : gatewayUris()) {
			HttpResponse<String> response = send(
					HttpRequest.newBuilder(uri.resolve(Paths.of(Paths.CAMPAIGN_STOCK, campaignId)))
						.timeout(Duration.ofSeconds(5))
						.GET()
						.build());
			if (response != null && response.statusCode() == 200) {
				return new Stock(number(REMAINING, response.body()), number(ISSUED, response.body()));
			}
		}
		return null;
	}

	/**
	 * {@code GET /api/admin/campaigns/{id}/reconciliation} asked of every running
	 * gateway: the first 200 answer (else the last answer), with the statuses of any
	 * answers other than 200 and 404.
	 */
	Reconciliation reconciliation(String campaignId) {
		Reconciliation chosen = null;
		List<Integer> errors = new ArrayList<>();
		for (URI uri : gatewayUris()) {
			HttpResponse<String> response = send(
					HttpRequest.newBuilder(uri.resolve(Paths.of(Paths.RECONCILIATION, campaignId)))
						.header("Authorization", "Bearer " + Drills.ADMIN_TOKEN)
						.timeout(Duration.ofSeconds(10))
						.GET()
						.build());
			if (response == null) {
				errors.add(-1);
				continue;
			}
			int status = response.statusCode();
			if (status != 200 && status != 404) {
				errors.add(status);
			}
			if (chosen == null || chosen.status() != 200) {
				Matcher agree = AGREE.matcher(response.body());
				chosen = new Reconciliation(status,
						(status == 200 && agree.find()) ? Boolean.valueOf(agree.group(1)) : null, response.body(),
						errors);
			}
		}
		return (chosen != null) ? chosen : new Reconciliation(-1, null, "no gateway answered", errors);
	}

	/**
	 * Sums of some counters over the running instances that expose them, from
	 * {@code /actuator/prometheus}, e.g.
	 * {@code "coupon_relay_resent_total gateway-b=296"}; empty when none has them.
	 */
	String counters(String... names) {
		StringBuilder out = new StringBuilder();
		for (String name : names) {
			StringBuilder perInstance = new StringBuilder();
			for (GatewayProcess instance : this.instances) {
				if (!instance.alive()) {
					continue;
				}
				HttpResponse<String> response = send(
						HttpRequest.newBuilder(instance.baseUri().resolve("/actuator/prometheus"))
							.timeout(Duration.ofSeconds(10))
							.GET()
							.build());
				if (response == null || response.statusCode() != 200) {
					continue;
				}
				double sum = 0;
				boolean found = false;
				for (String line : response.body().split("\n")) {
					if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
						found = true;
						sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
					}
				}
				if (found) {
					perInstance.append(' ').append(instance.name()).append('=').append((long) sum);
				}
			}
			if (perInstance.length() > 0) {
				out.append((out.length() > 0) ? ", " : "").append(name).append(perInstance);
			}
		}
		return out.toString();
	}

	/** The stock the gateway shows. */
	record Stock(long remaining, long issued) {
	}

	/**
	 * What the reconciliation endpoint said: {@code agree} when it answered 200; a 404
	 * means it does not exist (yet) and is tolerated; {@code errors} lists other statuses
	 * (-1: no answer) of this round.
	 */
	record Reconciliation(int status, Boolean agree, String body, List<Integer> errors) {

		/** Agreeing, or absent (404); anything else is not settled yet. */
		boolean settled() {
			return this.status == 404 || (this.status == 200 && Boolean.TRUE.equals(this.agree));
		}

		String column() {
			if (this.status == 200) {
				return String.valueOf(this.agree);
			}
			return (this.status == 404) ? "n/a (404, no endpoint)" : "no answer (" + this.status + ")";
		}

	}

	private static long number(Pattern pattern, String body) {
		Matcher matcher = pattern.matcher(body);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
	}

	private static HttpResponse<String> send(HttpRequest request) {
		try {
			return http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	/**
	 * {@code jcmd <pid> Thread.print} of every running gateway JVM into
	 * {@code <name>-threads-<label>.txt}.
	 */
	void threadDumps(String label) {
		for (GatewayProcess instance : this.instances) {
			if (!instance.alive()) {
				continue;
			}
			Path out = this.dir.resolve(instance.name() + "-threads-" + label + ".txt");
			try {
				Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
						Long.toString(instance.pid()), "Thread.print")
					.redirectErrorStream(true)
					.redirectOutput(out.toFile())
					.start();
				if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
					jcmd.destroyForcibly();
				}
			}
			catch (IOException ex) {
				Drills.log("thread dump of " + instance.name() + " failed: " + ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		if (this.postgres.running()) {
			StringBuilder sessions = new StringBuilder();
			try (Connection connection = this.postgres.connect();
					ResultSet rows = connection.createStatement()
						.executeQuery("SELECT pid, application_name, client_port, backend_start, state, state_change, "
								+ "wait_event, left(query, 120) FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
				while (rows.next()) {
					for (int i = 1; i <= 8; i++) {
						sessions.append(rows.getString(i)).append((i < 8) ? " | " : "\n");
					}
				}
			}
			catch (SQLException ex) {
				sessions.append("pg_stat_activity not readable: ").append(ex.getMessage()).append('\n');
			}
			Drills.write(this.dir.resolve("postgres-sessions-" + label + ".txt"), sessions.toString());
		}
		Drills.log("Thread dumps (" + label + ") in " + this.dir);
	}

	/**
	 * Stops everything still running: gateways first (SIGKILL: the drill is over), then
	 * the servers.
	 */
	@Override
	public void close() {
		for (GatewayProcess instance : this.instances) {
			quietly(instance::kill);
		}
		quietly(() -> {
			if (this.kafka.alive()) {
				this.kafka.kill();
			}
		});
		quietly(this.redis::kill);
		if (this.cluster != null) {
			quietly(this.cluster::close);
		}
		quietly(this.postgres::stop);
		Drills.log(this.drill + ": all processes stopped");
	}

	private static void quietly(Runnable action) {
		try {
			action.run();
		}
		catch (RuntimeException ex) {
			Drills.log("while stopping: " + ex);
		}
	}

}
