package dev.coupongateway.drills;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One operating-system process of a drill (a JVM or {@code redis-server}): its output
 * appended to a log file, killed with SIGKILL, stopped with SIGTERM, frozen with SIGSTOP
 * and thawed with SIGCONT.
 */
abstract class OsProcess {

	protected final String name;

	protected final Path log;

	private volatile Process process;

	private volatile boolean stalled;

	protected OsProcess(String name, Path log) {
		this.name = name;
		this.log = log;
	}

	protected void launch(List<String> command) {
		launch(command, null);
	}

	/** Launches in {@code directory} (null: this JVM's working directory). */
	protected void launch(List<String> command, Path directory) {
		if (alive()) {
			throw new IllegalStateException(this.name + " is already running (pid " + pid() + ")");
		}
		Drills.append(this.log, "\n===== [drill] start " + Instant.now() + ": " + String.join(" ", command) + "\n");
		try {
			this.process = Drills
				.track(new ProcessBuilder(command).directory((directory != null) ? directory.toFile() : null)
					.redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
					.start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.stalled = false;
	}

	String name() {
		return this.name;
	}

	Path log() {
		return this.log;
	}

	boolean alive() {
		Process current = this.process;
		return current != null && current.isAlive();
	}

	long pid() {
		return this.process.pid();
	}

	/** SIGKILL: no shutdown hook, no flush, nothing. */
	void kill() {
		Process current = this.process;
		if (current == null || !current.isAlive()) {
			return;
		}
		Drills.append(this.log, "\n===== [drill] SIGKILL " + Instant.now() + "\n");
		current.destroyForcibly();
		waitFor(current, Duration.ofSeconds(20));
		this.stalled = false;
	}

	/**
	 * SIGTERM and wait for the process to exit by itself; SIGKILL after {@code grace}.
	 * True when it exited.
	 */
	boolean terminate(Duration grace) {
		Process current = this.process;
		if (current == null || !current.isAlive()) {
			return true;
		}
		if (this.stalled) {
			resume();
		}
		Drills.append(this.log, "\n===== [drill] SIGTERM " + Instant.now() + "\n");
		current.destroy();
		if (waitFor(current, grace)) {
			return true;
		}
		Drills.log(this.name + " did not exit within " + grace + " of SIGTERM; killing it");
		kill();
		return false;
	}

	/** SIGSTOP: the process is frozen, its sockets stay open, its peers hang. */
	void stall() {
		Drills.signal(pid(), "STOP");
		this.stalled = true;
	}

	/** SIGCONT. */
	void resume() {
		Drills.signal(pid(), "CONT");
		this.stalled = false;
	}

	/** Exit code, or null when running or never started. */
	Integer exitCode() {
		Process current = this.process;
		return (current == null || current.isAlive()) ? null : current.exitValue();
	}

	private static boolean waitFor(Process process, Duration timeout) {
		try {
			return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	@Override
	public String toString() {
		return this.name + (alive() ? " (pid " + pid() + ")" : " (down)");
	}

}
