package dev.coupongateway.drills;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.coupongateway.system.Paths;

/**
 * Concurrent claims against the gateway instances, every answer recorded. A claim is one
 * user asking once, as a shop's client would: it retries a 503 after {@code Retry-After},
 * and a dropped or refused connection at another instance (promise 3: the retry then
 * answers {@code ALREADY_ISSUED} with the coupon when one was granted), both bounded in
 * attempts and time.
 */
final class LoadDriver implements AutoCloseable {

	private static final Pattern COUPON_ID = Pattern.compile("\"couponId\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"");

	private static final Pattern COUPON_IDS = Pattern.compile("\"couponIds\"\\s*:\\s*\\[([^\\]]*)\\]");

	private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}");

	private static final int MAX_ATTEMPTS = 60;

	private static final Duration CLAIM_DEADLINE = Duration.ofSeconds(90);

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(3))
		.build();

	private final String campaignId;

	private final ExecutorService pool;

	private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();

	private final AtomicInteger started = new AtomicInteger();

	private final AtomicInteger answered = new AtomicInteger();

	private final AtomicInteger granted = new AtomicInteger();

	private final AtomicInteger requests = new AtomicInteger();

	private final AtomicInteger retried503 = new AtomicInteger();

	private final AtomicInteger retriedDropped = new AtomicInteger();

	LoadDriver(String campaignId, int threads) {
		this.campaignId = campaignId;
		this.pool = Executors.newFixedThreadPool(threads, (task) -> {
			Thread thread = new Thread(task, "claims");
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * The final answer to one claim. {@code status} is -1 when no instance answered at
	 * all.
	 *
	 * @param couponIds the coupon granted (201/202) or the coupons the user holds (409
	 * ALREADY_ISSUED)
	 */
	record Answer(String userId, int status, List<String> couponIds, int attempts, String firstTarget,
			boolean retriedAfterDrop, String detail) {

		boolean granted() {
			return this.status == 201 || this.status == 202;
		}

	}

	/** A batch of claims in flight. */
	final class Run {

		private final CountDownLatch done;

		private Run(int claims) {
			this.done = new CountDownLatch(claims);
		}

		/** Waits for every claim of this run to have its final answer. */
		void await(Duration timeout) {
			try {
				if (!this.done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
					throw new IllegalStateException(
							"claims still running after " + timeout + ": " + this.done.getCount() + " left");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

		boolean finished() {
			return this.done.getCount() == 0;
		}

	}

	/**
	 * Starts the claims of {@code users} (one claim each, repeats allowed) from the
	 * pool's threads. Claim {@code i} goes to {@code targets[i % n]}; a retry goes to the
	 * next of {@code fallback()}.
	 */
	Run fire(List<String> users, List<URI> targets, Supplier<List<URI>> fallback) {
		Run run = new Run(users.size());
		for (int i = 0; i < users.size(); i++) {
			String user = users.get(i);
			URI target = targets.get(i % targets.size());
			this.pool.execute(() -> {
				try {
					this.answers.add(claim(user, target, fallback));
				}
				finally {
					this.answered.incrementAndGet();
					run.done.countDown();
				}
			});
		}
		return run;
	}

	private Answer claim(String user, URI first, Supplier<List<URI>> fallback) {
		this.started.incrementAndGet();
		long deadline = System.nanoTime() + CLAIM_DEADLINE.toNanos();
		URI target = first;
		boolean dropped = false;
		String detail = null;
		for (int attempt = 1; attempt <= MAX_ATTEMPTS && System.nanoTime() < deadline; attempt++) {
			HttpRequest request = HttpRequest.newBuilder(target.resolve(Paths.of(Paths.COUPONS, this.campaignId)))
				.header("X-User-Id", user)
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.noBody())
				.build();
			this.requests.incrementAndGet();
			try {
				HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
				int status = response.statusCode();
				if (status == 503) {
					this.retried503.incrementAndGet();
					long retryAfter = response.headers().firstValueAsLong("Retry-After").orElse(1);
					detail = "503 " + response.headers().firstValue("Retry-After").orElse("(no Retry-After)");
					Drills.sleep(Math.max(200, Math.min(retryAfter, 5) * 1000));
					continue;
				}
				if (status == 201 || status == 202) {
					this.granted.incrementAndGet();
				}
				return new Answer(user, status, couponIds(status, response.body()), attempt, first.toString(), dropped,
						(status >= 500) ? response.body() : null);
			}
			catch (IOException ex) {
				// refused, reset or timed out: the instance is gone or hung; ask another
				// one
				dropped = true;
				this.retriedDropped.incrementAndGet();
				detail = ex.getClass().getSimpleName() + ": " + ex.getMessage();
				List<URI> others = fallback.get();
				if (!others.isEmpty()) {
					target = others.get(attempt % others.size());
				}
				Drills.sleep(250);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		return new Answer(user, -1, List.of(), MAX_ATTEMPTS, first.toString(), dropped, detail);
	}

	private static List<String> couponIds(int status, String body) {
		if (body == null) {
			return List.of();
		}
		if (status == 201 || status == 202) {
			Matcher matcher = COUPON_ID.matcher(body);
			return matcher.find() ? List.of(matcher.group(1).toLowerCase()) : List.of();
		}
		if (status == 409) {
			Matcher matcher = COUPON_IDS.matcher(body);
			if (matcher.find()) {
				List<String> ids = new ArrayList<>();
				Matcher uuid = UUID.matcher(matcher.group(1));
				while (uuid.find()) {
					ids.add(uuid.group().toLowerCase());
				}
				return ids;
			}
		}
		return List.of();
	}

	/** Claims started so far. */
	int started() {
		return this.started.get();
	}

	/** Claims with their final answer. */
	int answered() {
		return this.answered.get();
	}

	/** Claims answered 201 or 202 so far. */
	int granted() {
		return this.granted.get();
	}

	List<Answer> answers() {
		return List.copyOf(this.answers);
	}

	/** Final answers by status, e.g. {@code {201=1990, 202=10, 410=4000}}. */
	Map<Integer, Integer> statusCounts() {
		Map<Integer, Integer> counts = new TreeMap<>();
		for (Answer answer : this.answers) {
			counts.merge(answer.status(), 1, Integer::sum);
		}
		return Collections.unmodifiableMap(counts);
	}

	/** A line on what the clients did: requests, retries, answers. */
	String summary() {
		return this.answered.get() + " claims, " + this.requests.get() + " requests, " + this.retried503.get()
				+ " retries after 503, " + this.retriedDropped.get() + " after a dropped connection; final answers "
				+ statusCounts();
	}

	@Override
	public void close() {
		this.pool.shutdownNow();
		try {
			this.pool.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
