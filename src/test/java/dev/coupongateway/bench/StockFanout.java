package dev.coupongateway.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.coupongateway.system.Paths;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient.ResponseReceiver;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.util.retry.Retry;

/**
 * Fan-out measurement of the stock stream: N subscribers on one gateway while claims run.
 * Prints one line of results: subscribers connected, events received, grant-to-event
 * latency p50/p99 (from the moment the claim was sent to the first event, to each
 * subscriber, whose count covers that grant: an upper bound that includes conflation),
 * values conflated away, and Redis commands per second with no claims running (idle) and
 * while claims run.
 *
 * <p>
 * Usage:
 * {@code StockFanout <baseUrl> <redisUrl> <adminToken> <subscribers> <claimsPerSecond> <seconds>
 * <gatewayPid>}; the gateway's RSS and used heap are read while every subscriber is
 * connected.
 */
public final class StockFanout {

	private StockFanout() {
	}

	public static void main(String[] args) throws Exception {
		String base = args[0];
		String redisUrl = args[1];
		String token = args[2];
		int subscribers = Integer.parseInt(args[3]);
		int rate = Integer.parseInt(args[4]);
		int seconds = Integer.parseInt(args[5]);
		long gatewayPid = Long.parseLong(args[6]);
		String campaign = "fanout-" + System.currentTimeMillis();
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		send(http,
				HttpRequest.newBuilder(URI.create(base + Paths.ADMIN_CAMPAIGNS))
					.header("Authorization", "Bearer " + token)
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers
						.ofString("{\"id\":\"" + campaign + "\",\"name\":\"fan-out\",\"totalStock\":10000000}"))
					.build());

		Map<Long, Long> grantedAt = new ConcurrentHashMap<>();
		AtomicLong events = new AtomicLong();
		AtomicInteger connectErrors = new AtomicInteger();
		// per subscriber: (issued, received at) of every event, in arrival order
		List<List<long[]>> received = new ArrayList<>();
		for (int i = 0; i < subscribers; i++) {
			received.add(new ArrayList<>());
		}

		LoopResources loops = LoopResources.create("fanout", 2, true);
		reactor.netty.http.client.HttpClient sse = reactor.netty.http.client.HttpClient
			.create(ConnectionProvider.newConnection())
			.runOn(loops)
			.baseUrl(base)
			.headers((h) -> h.add("Accept", "text/event-stream"));
		List<Disposable> streams = new ArrayList<>();
		for (int i = 0; i < subscribers; i++) {
			int subscriber = i;
			ResponseReceiver<?> request = sse.get().uri(Paths.of(Paths.STOCK_STREAM, campaign));
			// like EventSource, a subscriber whose connection fails tries again
			streams.add(request.responseContent()
				.asString()
				.doOnError((error) -> connectErrors.incrementAndGet())
				.retryWhen(Retry.backoff(20, Duration.ofMillis(250)).maxBackoff(Duration.ofSeconds(3)))
				.subscribe((chunk) -> {
					long now = System.nanoTime();
					for (String line : chunk.split("\n")) {
						if (line.startsWith("id:")) {
							long issued = Long.parseLong(line.substring(3).trim());
							events.incrementAndGet();
							synchronized (received.get(subscriber)) {
								received.get(subscriber).add(new long[] { issued, now });
							}
						}
					}
				}, (error) -> {
				}));
			// connect at about 1,000 a second: a faster storm overflows the listen
			// backlog (4,096 here) and
			// the kernel's SYN retries, not the gateway, then decide who gets in when
			if (i % 100 == 99) {
				Thread.sleep(100);
			}
		}
		long connectDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (subscribersWithEvents(received) < subscribers && System.nanoTime() < connectDeadline) {
			Thread.sleep(100);
		}
		long firstEvents = subscribersWithEvents(received);

		RedisClient redis = RedisClient.create(redisUrl);
		StatefulRedisConnection<String, String> redisConnection = redis.connect();
		long idleCommandsPerSecond = commandsPerSecond(redisConnection, 5);

		// claims at a fixed rate, each for a new user, the send time recorded by the
		// sequence granted
		ExecutorLoad load = new ExecutorLoad(http, base, campaign, grantedAt);
		long commandsBefore = commands(redisConnection);
		long loadStart = System.nanoTime();
		load.run(rate, seconds);
		long loadSeconds = Math.max(1, (System.nanoTime() - loadStart) / 1_000_000_000L);
		long busyCommandsPerSecond = (commands(redisConnection) - commandsBefore) / loadSeconds;
		String rss = Files.readAllLines(Path.of("/proc/" + gatewayPid + "/status"))
			.stream()
			.filter((line) -> line.startsWith("VmRSS:"))
			.map((line) -> line.replaceAll("\\D+", ""))
			.findFirst()
			.orElse("?");
		String heapJson = send(http,
				HttpRequest.newBuilder(URI.create(base + "/actuator/metrics/jvm.memory.used?tag=area:heap")).build())
			.body();
		long heapMb = (long) Double.parseDouble(heapJson.replaceAll(".*\"value\":([0-9.E+]+).*", "$1")) / (1024 * 1024);
		Thread.sleep(1500);
		streams.forEach(Disposable::dispose);

		// every grant a subscriber learned of, timed from the claim's send to the first
		// event covering it
		Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
		long conflated = 0;
		long changes = 0;
		for (List<long[]> mine : received) {
			synchronized (mine) {
				for (int e = 1; e < mine.size(); e++) {
					long previous = mine.get(e - 1)[0];
					long issued = mine.get(e)[0];
					changes += issued - previous;
					conflated += issued - previous - 1;
					for (long sequence = previous + 1; sequence <= issued; sequence++) {
						Long sentAt = grantedAt.get(sequence);
						if (sentAt != null) {
							latency.recordValue(
									Math.max(0, Math.min(mine.get(e)[1] - sentAt, latency.getHighestTrackableValue())));
						}
					}
				}
			}
		}
		System.out.printf(
				"subscribers=%d with_first_event=%d connect_errors=%d events=%d grants=%d latency_p50_ms=%.1f latency_p99_ms=%.1f "
						+ "latency_max_ms=%.1f changes_seen=%d conflated_away=%d redis_cmds_per_s_idle=%d "
						+ "redis_cmds_per_s_claims=%d gateway_rss_mb=%d gateway_heap_used_mb=%d%n",
				subscribers, firstEvents, connectErrors.get(), events.get(), grantedAt.size(),
				latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
				latency.getMaxValue() / 1e6, changes, conflated, idleCommandsPerSecond, busyCommandsPerSecond,
				Long.parseLong(rss) / 1024, heapMb);
		redisConnection.close();
		redis.shutdown();
		loops.dispose();
		System.exit(0);
	}

	private static long subscribersWithEvents(List<List<long[]>> received) {
		return received.stream().filter((events) -> {
			synchronized (events) {
				return !events.isEmpty();
			}
		}).count();
	}

	private static long commandsPerSecond(StatefulRedisConnection<String, String> redis, int seconds)
			throws InterruptedException {
		long before = commands(redis);
		Thread.sleep(seconds * 1000L);
		return (commands(redis) - before) / seconds;
	}

	private static long commands(StatefulRedisConnection<String, String> redis) {
		for (String line : redis.sync().info("stats").split("\r?\n")) {
			if (line.startsWith("total_commands_processed:")) {
				return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
			}
		}
		return -1;
	}

	private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws Exception {
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** Claims at a fixed rate from a few threads. */
	private static final class ExecutorLoad {

		private final HttpClient http;

		private final String base;

		private final String campaign;

		private final Map<Long, Long> grantedAt;

		ExecutorLoad(HttpClient http, String base, String campaign, Map<Long, Long> grantedAt) {
			this.http = http;
			this.base = base;
			this.campaign = campaign;
			this.grantedAt = grantedAt;
		}

		void run(int rate, int seconds) throws InterruptedException {
			int total = rate * seconds;
			CountDownLatch done = new CountDownLatch(total);
			long interval = 1_000_000_000L / rate;
			long start = System.nanoTime();
			for (int i = 0; i < total; i++) {
				long due = start + i * interval;
				long wait = due - System.nanoTime();
				if (wait > 0) {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
				long sentAt = System.nanoTime();
				HttpRequest request = HttpRequest
					.newBuilder(URI.create(this.base + Paths.of(Paths.COUPONS, this.campaign)))
					.header("X-User-Id", "fan-" + i)
					.timeout(Duration.ofSeconds(30))
					.POST(HttpRequest.BodyPublishers.noBody())
					.build();
				this.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
					if (response != null && response.statusCode() / 100 == 2) {
						String body = response.body();
						int at = body.indexOf("\"sequence\":");
						long sequence = Long.parseLong(body.substring(at + 11, body.indexOf(',', at)));
						this.grantedAt.put(sequence, sentAt);
					}
					done.countDown();
				});
			}
			done.await(60, TimeUnit.SECONDS);
		}

	}

}
