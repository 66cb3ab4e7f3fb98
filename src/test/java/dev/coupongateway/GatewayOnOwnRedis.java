package dev.coupongateway;

import java.time.Duration;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A gateway instance on a Redis of its own (the other dev services shared), for tests
 * that stop and restart Redis under it: the same in either dev-services mode (embedded or
 * Docker).
 */
public final class GatewayOnOwnRedis implements AutoCloseable {

	public final RestartableRedis redis;

	public final ConfigurableApplicationContext context;

	public final int port;

	public final WebTestClient http;

	public final Fixtures fixtures;

	private final boolean ownsRedis;

	public GatewayOnOwnRedis(String... properties) {
		this(new RestartableRedis().start(), true, properties);
	}

	/** Another instance on the same Redis (which the first one stops when closed). */
	public GatewayOnOwnRedis(RestartableRedis redis, String... properties) {
		this(redis, false, properties);
	}

	private GatewayOnOwnRedis(RestartableRedis redis, boolean ownsRedis, String... properties) {
		this.redis = redis;
		this.ownsRedis = ownsRedis;
		String[] all = new String[properties.length + 1];
		all[0] = "spring.data.redis.url=" + this.redis.url();
		System.arraycopy(properties, 0, all, 1, properties.length);
		this.context = GatewayInstance.start(all);
		this.port = ((WebServerApplicationContext) this.context).getWebServer().getPort();
		this.http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
		this.fixtures = new Fixtures(this.http, this.context.getBean(DatabaseClient.class));
	}

	@Override
	public void close() {
		this.context.close();
		if (this.ownsRedis) {
			this.redis.close();
		}
	}

}
