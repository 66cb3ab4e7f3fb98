package dev.coupongateway.drills;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * The packaged gateway ({@code java -jar}) in its own JVM, in one or both roles, pointed
 * at the drill's Redis, PostgreSQL and Kafka with the same keys a deployment sets. Output
 * to {@code <name>.log}.
 */
final class GatewayProcess extends OsProcess {

	private static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final int port = Drills.freePort();

	private final Path jar;

	private final String roles;

	private final List<String> settings;

	private List<String> jvm = List.of("-Xms128m", "-Xmx384m", "-XX:+UseSerialGC");

	private String java = KafkaBroker.javaBinary();

	private Path directory;

	/**
	 * @param roles {@code gateway}, {@code writer} or {@code gateway,writer}
	 * @param settings the servers and any overrides, as {@code --key=value}
	 */
	GatewayProcess(String name, Path drillDir, Path jar, String roles, List<String> settings) {
		super(name, drillDir.resolve(name + ".log"));
		this.jar = jar;
		this.roles = roles;
		this.settings = List.copyOf(settings);
	}

	URI baseUri() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	int port() {
		return this.port;
	}

	boolean playsGateway() {
		return this.roles.contains("gateway");
	}

	/**
	 * JVM options (heap, GC, agents) in place of the drills' small serial-GC heap; before
	 * launch.
	 */
	GatewayProcess jvm(List<String> options) {
		this.jvm = List.copyOf(options);
		return this;
	}

	/**
	 * The {@code java} to launch (another JDK than the drill's own, e.g. for the start-up
	 * bench); before launch.
	 */
	GatewayProcess javaBinary(String java) {
		this.java = java;
		return this;
	}

	/**
	 * The working directory to launch in: a CDS archive or AOT cache holds the classpath
	 * as the training run named it ({@code -jar app.jar}, relative); before launch.
	 */
	GatewayProcess directory(Path directory) {
		this.directory = directory;
		return this;
	}

	/** Launches the JVM without waiting; see {@link #awaitHealthy(Duration)}. */
	void launch() {
		List<String> command = new ArrayList<>(List.of(this.java));
		command.addAll(this.jvm);
		command.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-jar", this.jar.toString(), "--server.port=" + this.port,
				"--coupon.admin.token=" + Drills.ADMIN_TOKEN, "--coupon.roles=" + this.roles));
		if (this.settings.stream().noneMatch((setting) -> setting.startsWith("--coupon.identity="))) {
			// header mode unless told otherwise (a key given twice would bind as "a,b")
			command.add("--coupon.identity=header");
		}
		command.addAll(this.settings);
		if (this.settings.stream().noneMatch((setting) -> setting.startsWith("--coupon.issue.warmup-requests="))) {
			// drills start many JVMs on 2 cores: a short warm-up, still run as in
			// production
			command.add("--coupon.issue.warmup-requests=200");
		}
		launch(command, this.directory);
	}

	/** Launches and waits until {@code /actuator/health} answers 200. */
	void start() {
		launch();
		awaitHealthy(Duration.ofSeconds(120));
	}

	/**
	 * Until {@code /actuator/health} answers 200 (Redis, PostgreSQL and Kafka all up as
	 * the gateway sees them).
	 */
	void awaitHealthy(Duration timeout) {
		try {
			await(this.name + " healthy on " + this.port).atMost(timeout)
				.pollInterval(Duration.ofMillis(500))
				.ignoreExceptions()
				.failFast(this.name + " exited", () -> !alive())
				.until(() -> health() == 200);
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException(
					this.name + " did not come up: " + ex.getMessage() + "\n" + Drills.tail(this.log, 40), ex);
		}
		Drills.log(this.name + " (" + this.roles + ") up on " + this.port + " (pid " + pid() + ")");
	}

	/** The status of {@code /actuator/health}, or -1 when nothing answers. */
	int health() {
		return status("/actuator/health");
	}

	/** The status of a GET of {@code path}, or -1 when nothing answers. */
	int status(String path) {
		try {
			HttpRequest request = HttpRequest.newBuilder(baseUri().resolve(path))
				.timeout(Duration.ofSeconds(10))
				.GET()
				.build();
			return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

}
