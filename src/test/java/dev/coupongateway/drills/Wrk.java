package dev.coupongateway.drills;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code wrk} with {@code bench/claim.lua}: POSTs to a path, a new user per request
 * unless told otherwise.
 */
final class Wrk {

	private static final Pattern REQUESTS = Pattern.compile("requests/s: (\\d+)");

	private static final Pattern LATENCY = Pattern.compile("latency p(\\d+): ([\\d.]+) ms");

	private static final Pattern STATUS = Pattern.compile("status (\\d+): (\\d+)");

	private static final Pattern TOKENS = Pattern.compile("tokens: (\\d+), requests: (\\d+)");

	private static final Path SCRIPT = Drills.projectDir().resolve("bench").resolve("claim.lua");

	private Wrk() {
	}

	/**
	 * One run of {@code wrk -t1 -c<connections> -d<duration>} against
	 * {@code base + path}; {@code run} keeps its user ids apart from other runs';
	 * {@code users}, when set, cycles through that many fixed users.
	 */
	static Result run(String base, String path, String run, String duration, int connections, String users)
			throws Exception {
		return run(base, path, run, duration, connections, users, null);
	}

	/**
	 * As {@link #run(String, String, String, String, int, String)}, each request with the
	 * next bearer token of {@code tokens} (a file, one a line) when set: an instance in
	 * {@code jwt} mode.
	 */
	static Result run(String base, String path, String run, String duration, int connections, String users, Path tokens)
			throws Exception {
		List<String> command = List.of("wrk", "-t1", "-c" + connections, "-d" + duration, "--timeout", "10s", "-s",
				SCRIPT.toString(), base);
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("TARGET", path);
		builder.environment().put("RUN", run + "-" + UUID.randomUUID().toString().substring(0, 8));
		if (users != null) {
			builder.environment().put("USERS", users);
		}
		if (tokens != null) {
			builder.environment().put("TOKENS", tokens.toString());
		}
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
			throw new IllegalStateException("wrk failed: " + output);
		}
		return Result.parse(output);
	}

	/** The run in the middle by requests/s. */
	static Result median(List<Result> results) {
		List<Result> sorted = new ArrayList<>(results);
		sorted.sort(Comparator.comparingLong(Result::requestsPerSecond));
		return sorted.get(sorted.size() / 2);
	}

	/**
	 * One wrk run, as {@code bench/claim.lua} reports it; {@code tokensReused}: requests
	 * that sent a bearer token a request of the same run had sent already (the file ran
	 * out).
	 */
	record Result(long requestsPerSecond, String p50, String p99, Map<Integer, Long> statuses, long tokensReused) {

		static Result parse(String output) {
			Matcher requests = REQUESTS.matcher(output);
			if (!requests.find()) {
				throw new IllegalStateException("no requests/s in wrk's output: " + output);
			}
			Map<String, String> latency = new LinkedHashMap<>();
			Matcher percentiles = LATENCY.matcher(output);
			while (percentiles.find()) {
				latency.put(percentiles.group(1), percentiles.group(2));
			}
			Map<Integer, Long> statuses = new TreeMap<>();
			Matcher status = STATUS.matcher(output);
			while (status.find()) {
				statuses.merge(Integer.parseInt(status.group(1)), Long.parseLong(status.group(2)), Long::sum);
			}
			long reused = 0;
			Matcher tokens = TOKENS.matcher(output);
			while (tokens.find()) {
				reused += Math.max(0, Long.parseLong(tokens.group(2)) - Long.parseLong(tokens.group(1)));
			}
			return new Result(Long.parseLong(requests.group(1)), latency.get("50"), latency.get("99"), statuses,
					reused);
		}

		@Override
		public String toString() {
			return this.requestsPerSecond + " req/s, p50 " + this.p50 + " ms, p99 " + this.p99 + " ms, " + this.statuses
					+ ((this.tokensReused > 0) ? ", " + this.tokensReused + " tokens reused" : "");
		}

	}

}
