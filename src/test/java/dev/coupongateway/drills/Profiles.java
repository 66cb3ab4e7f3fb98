package dev.coupongateway.drills;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Profiles of a benchmark's gateway JVMs while a row runs, taken through {@code jcmd}:
 * {@code jfr} (JFR, profile settings), or async-profiler ({@code cpu}, {@code wall}): its
 * {@code libasyncProfiler.so} loaded into the running JVM with
 * {@code jcmd <pid> JVMTI.agent_load}, which passes each command (start, dump, stop) to
 * the agent; a flame graph (html) and collapsed stacks per row. Each profile ends as a
 * table of its top frames.
 */
final class Profiles {

	/**
	 * Frames left out of the total column: the bottom of every thread's stack, the event
	 * loop's and Reactor's plumbing, the JIT (they are on most stacks, telling nothing).
	 */
	private static final List<String> ROOTS = List.of("io.netty.", "reactor.core.publisher.", "reactor.netty.",
			"CompileBroker::", "C2Compiler::", "Compile::", "Phase", "java.lang.Thread.run", "FastThreadLocalRunnable",
			"SingleThreadEventExecutor", "ThreadExecutorMap", "start_thread", "thread_native_entry", "Thread::call_run",
			"JavaThread::", "clone3", "[unknown]", "thread_start");

	private final List<String> modes;

	private final Path library;

	private final Path dir;

	private final List<Profile> taken = new ArrayList<>();

	/**
	 * @param setting {@code PROFILE}: empty, {@code 1} or {@code jfr}, {@code cpu},
	 * {@code wall}, or several separated by commas (run n of each row profiled with the
	 * n-th)
	 * @param library {@code libasyncProfiler.so} (async-profiler's modes only)
	 */
	Profiles(String setting, Path library, Path dir) {
		Set<String> modes = new LinkedHashSet<>();
		for (String mode : setting.split(",")) {
			String trimmed = mode.trim().toLowerCase();
			if (trimmed.isEmpty()) {
				continue;
			}
			if (!List.of("1", "jfr", "cpu", "wall").contains(trimmed)) {
				throw new IllegalArgumentException("PROFILE takes jfr, cpu, wall or several of them, not " + mode);
			}
			modes.add(trimmed.equals("1") ? "jfr" : trimmed);
		}
		this.modes = List.copyOf(modes);
		this.library = library;
		this.dir = dir;
		if ((this.modes.contains("cpu") || this.modes.contains("wall")) && !Files.isRegularFile(library)) {
			throw new IllegalStateException(library + " is missing: bench/spike-speed.sh extracts it from "
					+ "tools.profiler:async-profiler:4.1 (or set ASYNC_PROFILER_LIB)");
		}
	}

	/** The mode run {@code run} (from 1) of each row is profiled with, or null. */
	String modeOf(int run) {
		return (run <= this.modes.size()) ? this.modes.get(run - 1) : null;
	}

	List<String> modes() {
		return this.modes;
	}

	/** Starts a profile of a JVM; {@link #stop} ends it. */
	Running start(String mode, String title, long pid) throws Exception {
		Path base = Drills.createDirectories(this.dir).resolve("profile-" + this.taken.size() + "-" + mode);
		if (mode.equals("jfr")) {
			jcmd(pid, "JFR.start", "name=bench", "settings=profile", "filename=" + base + ".jfr");
		}
		else {
			// intervals: cpu every 5 ms of CPU time; wall every 20 ms of each thread
			agent(pid, "start,event=" + mode + ",interval=" + (mode.equals("cpu") ? "5ms" : "20ms"));
		}
		return new Running(mode, title, pid, base);
	}

	/** Ends a profile: its files written, its top frames counted. */
	void stop(Running running) throws Exception {
		Map<String, Integer> self = new HashMap<>();
		Map<String, Integer> total = new HashMap<>();
		int samples = 0;
		List<Path> files = new ArrayList<>();
		if (running.mode().equals("jfr")) {
			Path recording = Path.of(running.base() + ".jfr");
			jcmd(running.pid(), "JFR.stop", "name=bench");
			files.add(recording);
			try (RecordingFile file = new RecordingFile(recording)) {
				while (file.hasMoreEvents()) {
					RecordedEvent event = file.readEvent();
					if (!event.getEventType().getName().equals("jdk.ExecutionSample")
							|| event.getStackTrace() == null) {
						continue;
					}
					samples++;
					List<String> frames = event.getStackTrace()
						.getFrames()
						.stream()
						.map(Profiles::name)
						.collect(Collectors.toList());
					// JFR lists the top frame first
					count(frames, 1, self, total);
				}
			}
		}
		else {
			Path collapsed = Path.of(running.base() + ".collapsed");
			Path html = Path.of(running.base() + ".html");
			agent(running.pid(), "dump,collapsed,file=" + collapsed);
			agent(running.pid(), "stop,file=" + html);
			files.add(html);
			files.add(collapsed);
			for (String line : Files.readAllLines(collapsed, StandardCharsets.UTF_8)) {
				int space = line.lastIndexOf(' ');
				if (space < 0) {
					continue;
				}
				int n = Integer.parseInt(line.substring(space + 1).trim());
				List<String> frames = new ArrayList<>(List.of(line.substring(0, space).replace('/', '.').split(";")));
				// collapsed stacks list the root first
				Collections.reverse(frames);
				samples += n;
				count(frames, n, self, total);
			}
		}
		this.taken.add(new Profile(running.title(), running.mode(), samples, self, total, files));
	}

	/**
	 * Each profile's top frames: samples on top of the stack (self) and anywhere on it
	 * (total).
	 */
	void report(Consumer<String> line) {
		for (Profile profile : this.taken) {
			line.accept("### Profile (" + profile.mode() + "): " + profile.title() + " (" + profile.samples()
					+ " samples; "
					+ profile.files().stream().map((f) -> "`" + f + "`").collect(Collectors.joining(", ")) + ")");
			line.accept("");
			line.accept("| self | frame |    | total | frame |");
			line.accept("|---|---|---|---|---|");
			List<Map.Entry<String, Integer>> topSelf = top(profile.self(), 15);
			List<Map.Entry<String, Integer>> topTotal = top(profile.total()
				.entrySet()
				.stream()
				.filter((e) -> ROOTS.stream().noneMatch((root) -> e.getKey().contains(root)))
				.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), 15);
			for (int i = 0; i < 15; i++) {
				String left = (i < topSelf.size())
						? pct(topSelf.get(i).getValue(), profile.samples()) + " | `" + topSelf.get(i).getKey() + "`"
						: " | ";
				String right = (i < topTotal.size())
						? pct(topTotal.get(i).getValue(), profile.samples()) + " | `" + topTotal.get(i).getKey() + "`"
						: " | ";
				line.accept("| " + left + " |    | " + right + " |");
			}
			line.accept("");
		}
	}

	/** {@code frames}: top of the stack first. */
	private static void count(List<String> frames, int n, Map<String, Integer> self, Map<String, Integer> total) {
		if (!frames.isEmpty()) {
			self.merge(frames.get(0), n, Integer::sum);
		}
		frames.stream().distinct().forEach((frame) -> total.merge(frame, n, Integer::sum));
	}

	private void agent(long pid, String command) throws Exception {
		// quoted: jcmd would otherwise split the agent's options at '='
		jcmd(pid, "JVMTI.agent_load", this.library.toString(), "\"" + command + "\"");
	}

	static void jcmd(long pid, String... command) throws Exception {
		List<String> args = new ArrayList<>(
				List.of(Path.of(KafkaBroker.javaBinary()).resolveSibling("jcmd").toString(), Long.toString(pid)));
		args.addAll(List.of(command));
		Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0 || output.contains("[ERROR]")
				|| output.contains("return code: 1")) {
			throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
		}
	}

	private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
		return counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(n)
			.toList();
	}

	private static String pct(int count, int samples) {
		return String.format("%.1f%%", 100.0 * count / Math.max(1, samples));
	}

	private static String name(RecordedFrame frame) {
		return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
	}

	/** A profile under way. */
	record Running(String mode, String title, long pid, Path base) {
	}

	/** A profile taken: samples on top of the stack and anywhere on it, per frame. */
	private record Profile(String title, String mode, int samples, Map<String, Integer> self,
			Map<String, Integer> total, List<Path> files) {
	}

}
