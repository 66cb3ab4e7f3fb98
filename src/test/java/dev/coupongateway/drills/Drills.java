package dev.coupongateway.drills;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Shared bits of the drill harness: where the drills write, free ports, the classpath
 * handed to child JVMs, POSIX signals, and a last-resort reaper that kills every child
 * process this JVM started.
 */
final class Drills {

	/** The admin token every drill gateway runs with. */
	static final String ADMIN_TOKEN = "drill-token";

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

	private static final Set<Process> children = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> children.forEach((process) -> {
			// a stalled (SIGSTOPped) child still dies on SIGKILL
			process.destroyForcibly();
		}), "drills-reaper"));
	}

	private Drills() {
	}

	/** The project's directory (failsafe runs in it). */
	static Path projectDir() {
		String basedir = System.getProperty("basedir");
		return Path.of((basedir != null) ? basedir : System.getProperty("user.dir")).toAbsolutePath();
	}

	/** {@code target/drills}, created when missing. */
	static Path root() {
		return createDirectories(projectDir().resolve("target").resolve("drills"));
	}

	/** A fresh directory for one drill: {@code target/drills/<drill>}, emptied first. */
	static Path freshDir(String drill) {
		Path dir = root().resolve(drill);
		deleteRecursively(dir);
		return createDirectories(dir);
	}

	/**
	 * The packaged gateway, copied into the drill's directory so a concurrent rebuild
	 * cannot swap it mid-drill.
	 */
	static Path gatewayJar(Path drillDir) {
		Path jar = projectDir().resolve("target").resolve("coupon-gateway-0.1.0-SNAPSHOT.jar");
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException(
					jar + " is missing: run the drills with ./mvnw -Pdrills verify (package first)");
		}
		Path copy = drillDir.resolve("coupon-gateway.jar");
		try {
			Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return copy;
	}

	/**
	 * A Java argument file ({@code java @file}) holding
	 * {@code -cp <this JVM's classpath>}, so child JVMs (the Kafka broker and its tools)
	 * see kafka_2.13 and its dependencies from the test classpath.
	 */
	static synchronized Path classpathArgFile() {
		Path file = root().resolve("classpath.args");
		String classpath = System.getProperty("java.class.path");
		write(file, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n");
		return file;
	}

	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Claimants of a spike: {@code distinct} users {@code <prefix>-<n>}, plus
	 * {@code repeats} second claims by users already in the list, each placed after that
	 * user's first claim. Same seed, same list.
	 */
	static List<String> users(String prefix, int distinct, int repeats, long seed) {
		Random random = new Random(seed);
		List<String> users = new ArrayList<>(distinct + repeats);
		for (int i = 0; i < distinct; i++) {
			users.add(prefix + "-" + i);
		}
		for (int r = 0; r < repeats; r++) {
			int original = random.nextInt(distinct);
			int after = users.indexOf(prefix + "-" + original);
			users.add(after + 1 + random.nextInt(users.size() - after), prefix + "-" + original);
		}
		return users;
	}

	/**
	 * Registers a child process for the reaper; the drills also stop their children
	 * themselves.
	 */
	static Process track(Process process) {
		children.add(process);
		process.onExit().thenRun(() -> children.remove(process));
		return process;
	}

	/**
	 * Sends a signal ({@code STOP}, {@code CONT}, {@code TERM}, ...) with
	 * {@code kill -<signal> <pid>}.
	 */
	static void signal(long pid, String signal) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
				.start();
			String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** One line of the drill's own narrative on stdout, timestamped. */
	static void log(String message) {
		System.out.println("[drill " + LocalTime.now().format(TIME) + "] " + message);
		System.out.flush();
	}

	static void write(Path file, String text) {
		try {
			Files.writeString(file, text, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static void append(Path file, String text) {
		try {
			Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The last lines of a log file, to explain a failure. */
	static String tail(Path file, int lines) {
		try {
			if (!Files.exists(file)) {
				return "(no " + file + ")";
			}
			List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException | UncheckedIOException ex) {
			return "(unreadable " + file + ": " + ex + ")";
		}
	}

	static Path createDirectories(Path dir) {
		try {
			return Files.createDirectories(dir);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static void deleteRecursively(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (var paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> {
				try {
					Files.deleteIfExists(path);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
