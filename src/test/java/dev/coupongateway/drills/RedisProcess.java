package dev.coupongateway.drills;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import redis.embedded.RedisServer;

import static org.awaitility.Awaitility.await;

/**
 * Redis without persistence ({@code --save "" --appendonly no}) on a fixed port, so a
 * kill and a start again is "Redis restarted with its data gone". Debian's
 * {@code /usr/bin/redis-server} when installed ({@code apt-get install -y redis-server}),
 * otherwise the embedded-redis binary that dev services use.
 */
final class RedisProcess extends OsProcess {

	private static final Path SYSTEM_REDIS = Path.of("/usr/bin/redis-server");

	private final int port = Drills.freePort();

	private final Path dir;

	private RedisServer embedded;

	RedisProcess(Path drillDir) {
		super("redis", drillDir.resolve("redis.log"));
		this.dir = Drills.createDirectories(drillDir.resolve("redis-data"));
	}

	String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	int port() {
		return this.port;
	}

	void start() {
		try {
			Files.deleteIfExists(this.dir.resolve("dump.rdb"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		launch();
	}

	/**
	 * Saves what Redis holds now ({@code SAVE}: an RDB file, as a host's last snapshot
	 * keeps it) and returns it.
	 */
	byte[] snapshot() {
		try {
			String reply = command("SAVE");
			if (!"+OK".equals(reply)) {
				throw new IllegalStateException("SAVE answered " + reply);
			}
			return Files.readAllBytes(this.dir.resolve("dump.rdb"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * SIGKILL, then started again from an older snapshot: what a host crash leaves when
	 * its AOF or RDB is behind what PostgreSQL already stored.
	 */
	void restartFrom(byte[] snapshot) {
		kill();
		try {
			Files.write(this.dir.resolve("dump.rdb"), snapshot);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		launch();
	}

	private void launch() {
		if (Files.isExecutable(SYSTEM_REDIS)) {
			launch(List.of(SYSTEM_REDIS.toString(), "--port", Integer.toString(this.port), "--bind", "127.0.0.1",
					"--save", "", "--appendonly", "no", "--dir", this.dir.toString(), "--daemonize", "no",
					"--maxclients", "1000"));
		}
		else {
			try {
				this.embedded = RedisServer.newRedisServer()
					.port(this.port)
					.bind("127.0.0.1")
					.setting("save \"\"")
					.setting("appendonly no")
					.setting("dir " + this.dir)
					.build();
				this.embedded.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		await("Redis on " + this.port).atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.ignoreExceptions()
			.until(() -> "+PONG".equals(command("PING")));
		Drills
			.log("Redis up on " + this.port + ((this.embedded != null) ? " (embedded-redis)" : " (pid " + pid() + ")"));
	}

	@Override
	boolean alive() {
		return (this.embedded != null) ? this.embedded.isActive() : super.alive();
	}

	/**
	 * SIGKILL (system binary) or the embedded server's stop: either way, the data is
	 * gone.
	 */
	@Override
	void kill() {
		if (this.embedded != null) {
			try {
				this.embedded.stop();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.embedded = null;
		}
		else {
			super.kill();
		}
	}

	/** One inline command over a raw socket; returns the first reply line. */
	String command(String inline) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 1000);
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = in.read()) != -1 && c != '\n') {
				if (c != '\r') {
					line.append((char) c);
				}
			}
			return line.toString();
		}
	}

}
