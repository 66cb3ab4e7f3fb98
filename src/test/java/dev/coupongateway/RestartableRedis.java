package dev.coupongateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real Redis server (embedded-redis) on a fixed loopback port that a test can stop and
 * start again, empty, as after a restart without persistence. Tests that restart Redis
 * run on one of these whether or not the other dev services run in Docker.
 */
public final class RestartableRedis implements AutoCloseable {

	private final int port = freePort();

	private final List<String> settings;

	private RedisServer server;

	/** Where a snapshot ({@link #snapshot}) is written and read back from at start. */
	private final Path dir;

	/**
	 * @param settings more {@code redis.conf} lines, such as {@code cluster-enabled yes}
	 */
	public RestartableRedis(String... settings) {
		this.settings = List.of(settings);
		try {
			this.dir = Files.createTempDirectory("restartable-redis");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Starts Redis on its port: fresh, no persistence. */
	public synchronized RestartableRedis start() {
		try {
			Files.deleteIfExists(this.dir.resolve("dump.rdb"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return launch();
	}

	/**
	 * Saves what Redis holds now (an RDB file, as a host's last snapshot or AOF would
	 * keep it) and returns it, for {@link #restartFrom}.
	 */
	public synchronized byte[] snapshot() {
		try (var client = new Socket("127.0.0.1", this.port)) {
			client.getOutputStream().write("SAVE\r\n".getBytes(StandardCharsets.US_ASCII));
			byte[] reply = new byte[5];
			int read = client.getInputStream().readNBytes(reply, 0, 5);
			if (read != 5 || !new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n")) {
				throw new IllegalStateException("SAVE failed: " + new String(reply, 0, read));
			}
			return Files.readAllBytes(this.dir.resolve("dump.rdb"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Stops Redis and starts it again from an older snapshot: what a host crash leaves
	 * when its AOF or RDB is behind what PostgreSQL already stored.
	 */
	public synchronized void restartFrom(byte[] snapshot) {
		stop();
		try {
			Files.write(this.dir.resolve("dump.rdb"), snapshot);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		launch();
	}

	private RestartableRedis launch() {
		try {
			RedisServerBuilder builder = RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.setting("dir " + this.dir)
				.setting("dbfilename dump.rdb");
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
