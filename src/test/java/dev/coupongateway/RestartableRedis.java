package dev.coupongateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import java.util.List;

import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real Redis server (embedded-redis) on a fixed loopback port that a test can stop and start again,
 * empty, as after a restart without persistence. Tests that restart Redis run on one of these
 * whether or not the other dev services run in Docker.
 */
public final class RestartableRedis implements AutoCloseable {

	private final int port = freePort();

	private final List<String> settings;

	private RedisServer server;

	/** @param settings more {@code redis.conf} lines, such as {@code cluster-enabled yes} */
	public RestartableRedis(String... settings) {
		this.settings = List.of(settings);
	}

	/** Starts Redis on its port: fresh, no persistence. */
	public synchronized RestartableRedis start() {
		try {
			RedisServerBuilder builder = RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no");
			this.settings.forEach(builder::setting);
			this.server = builder.build();
			this.server.start();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Stops Redis; its data is gone. */
	public synchronized void stop() {
		try {
			if (this.server != null) {
				this.server.stop();
				this.server = null;
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public boolean running() {
		return this.server != null;
	}

	public int port() {
		return this.port;
	}

	public String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	@Override
	public void close() {
		stop();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
