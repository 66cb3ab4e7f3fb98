package dev.coupongateway.drills;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.LoggerFactory;

import static org.awaitility.Awaitility.await;

/**
 * A single-node KRaft broker (combined broker + controller) in its own JVM:
 * {@code kafka.Kafka} from the test classpath. Storage is formatted once; a restart keeps
 * the ports and the log directory, so topics, committed offsets and unconsumed records
 * survive a SIGKILL as they would on a real broker.
 */
final class KafkaBroker extends OsProcess {

	static {
		// the drills' own admin clients poll a broker that is down on purpose: no warning
		// per attempt
		if (LoggerFactory.getLogger("org.apache.kafka") instanceof ch.qos.logback.classic.Logger kafka) {
			kafka.setLevel(ch.qos.logback.classic.Level.ERROR);
		}
	}

	private final int port = Drills.freePort();

	private final int controllerPort = Drills.freePort();

	private final Path dir;

	private final Path config;

	private final Path dataDir;

	private boolean formatted;

	KafkaBroker(Path drillDir) {
		super("kafka", drillDir.resolve("kafka.log"));
		this.dir = drillDir;
		this.config = drillDir.resolve("kafka-server.properties");
		this.dataDir = drillDir.resolve("kafka-data");
	}

	String bootstrapServers() {
		return "127.0.0.1:" + this.port;
	}

	/** Formats the storage on first use, starts the broker and waits until it answers. */
	void start() {
		if (!this.formatted) {
			format();
		}
		launch(javaCommand("kafka.Kafka", this.config.toString()));
		awaitReady(Duration.ofSeconds(90));
		Drills.log("Kafka broker up on " + bootstrapServers() + " (pid " + pid() + ")");
	}

	/** SIGKILL if running, then start again on the same ports and data. */
	void restart() {
		kill();
		start();
	}

	/** Until {@code describeCluster} lists the broker. */
	void awaitReady(Duration timeout) {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
				AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
				3_000))) {
			await("Kafka on " + bootstrapServers()).atMost(timeout)
				.pollInterval(Duration.ofMillis(300))
				.ignoreExceptions()
				.failFast("the broker JVM exited", () -> !alive())
				.until(() -> !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty());
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException(
					"Kafka broker not ready: " + ex.getMessage() + "\n" + Drills.tail(this.log, 30), ex);
		}
	}

	private void format() {
		Drills.write(this.config,
				String.join("\n", "process.roles=broker,controller", "node.id=1",
						"listeners=PLAINTEXT://127.0.0.1:" + this.port + ",CONTROLLER://127.0.0.1:"
								+ this.controllerPort,
						"advertised.listeners=PLAINTEXT://127.0.0.1:" + this.port,
						"controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
						"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
						"controller.quorum.bootstrap.servers=127.0.0.1:" + this.controllerPort,
						"log.dirs=" + this.dataDir, "offsets.topic.replication.factor=1",
						"offsets.topic.num.partitions=6", "transaction.state.log.replication.factor=1",
						"transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
						"share.coordinator.state.topic.min.isr=1", "group.initial.rebalance.delay.ms=0",
						"num.partitions=6", "auto.create.topics.enable=false",
						// after a SIGKILL the restarted broker re-registers only once its
						// old session expired
						"broker.session.timeout.ms=3000", "broker.heartbeat.interval.ms=500", ""));
		Drills.write(this.dir.resolve("kafka-logback.xml"), """
				<configuration>
				  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
				    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
				  </appender>
				  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
				  <logger name="kafka.server.BrokerServer" level="INFO"/>
				  <logger name="kafka.tools.StorageTool" level="INFO"/>
				  <root level="WARN"><appender-ref ref="OUT"/></root>
				</configuration>
				""");
		String clusterId = Uuid.randomUuid().toString();
		List<String> command = javaCommand("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
				this.config.toString(), "--standalone");
		try {
			Drills.append(this.log, "===== [drill] " + String.join(" ", command) + "\n");
			Process format = Drills.track(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start());
			if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
				format.destroyForcibly();
				throw new IllegalStateException("Formatting Kafka storage failed: " + Drills.tail(this.log, 20));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		if (!Files.isDirectory(this.dataDir)) {
			throw new IllegalStateException("Kafka storage not formatted in " + this.dataDir);
		}
		this.formatted = true;
	}

	private List<String> javaCommand(String mainClass, String... args) {
		List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
				"-Djava.awt.headless=true", "-Dlogback.configurationFile=" + this.dir.resolve("kafka-logback.xml"),
				"@" + Drills.classpathArgFile(), mainClass));
		command.addAll(List.of(args));
		return command;
	}

	static String javaBinary() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

}
