package dev.coupongateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.coupongateway.system.Paths;

/**
 * Fires many claims at once from many threads: every thread waits at one gate, then all
 * go together. Plain blocking HTTP clients, as the shops' load tools are.
 */
public final class Claims {

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final String baseUrl;

	public Claims(int port) {
		this.baseUrl = "http://127.0.0.1:" + port;
	}

	/** One claim attempt and its answer ({@code retryAfter}: the header, or null). */
	public record Answer(String campaignId, String userId, int status, String body, String retryAfter) {

		public boolean granted() {
			return this.status == 201 || this.status == 202;
		}

	}

	/** A claim to make: campaign and user. */
	public record Claim(String campaignId, String userId) {
	}

	/**
	 * Sends all claims concurrently from {@code threads} threads and returns every
	 * answer.
	 */
	public List<Answer> concurrently(List<Claim> claims, int threads) throws Exception {
		return run(claims, threads, false);
	}

	/**
	 * Like {@link #concurrently}, but a claim whose connection fails (the server went
	 * away) is answered with status 0 instead of failing the whole run.
	 */
	public List<Answer> concurrentlyTolerant(List<Claim> claims, int threads) throws Exception {
		return run(claims, threads, true);
	}

	private List<Answer> run(List<Claim> claims, int threads, boolean tolerateConnectionErrors) throws Exception {
		return allAtOnce(claims, threads, (claim) -> {
			try {
				return claim(claim.campaignId(), claim.userId());
			}
			catch (IOException ex) {
				if (!tolerateConnectionErrors) {
					throw ex;
				}
				return new Answer(claim.campaignId(), claim.userId(), 0, ex.toString(), null);
			}
		});
	}

	/**
	 * Calls {@code call} for every input from {@code threads} threads that wait at one
	 * gate, then go together.
	 */
	public static <I, T> List<T> allAtOnce(List<I> inputs, int threads, Call<I, T> call) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch gate = new CountDownLatch(1);
		try {
			List<Future<T>> futures = new ArrayList<>();
			for (I input : inputs) {
				Callable<T> task = () -> {
					gate.await();
					return call.apply(input);
				};
				futures.add(pool.submit(task));
			}
			gate.countDown();
			List<T> results = new ArrayList<>();
			for (Future<T> future : futures) {
				results.add(future.get());
			}
			return results;
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** One call of {@link #allAtOnce}. */
	@FunctionalInterface
	public interface Call<I, T> {

		T apply(I input) throws Exception;

	}

	/**
	 * Claims, and again after each 503 (which must say when to retry:
	 * {@code Retry-After}), until the claim is decided or {@code within} has passed.
	 */
	public Answer untilDecided(String campaignId, String userId, Duration within)
			throws IOException, InterruptedException {
		long deadline = System.nanoTime() + within.toNanos();
		while (true) {
			Answer answer = claim(campaignId, userId);
			if (answer.status() != 503 || System.nanoTime() > deadline) {
				return answer;
			}
			if (answer.retryAfter() == null) {
				throw new IllegalStateException("a 503 without Retry-After: " + answer.body());
			}
			Thread.sleep(200);
		}
	}

	public Answer claim(String campaignId, String userId) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create(this.baseUrl + Paths.of(Paths.COUPONS, campaignId)))
			.header("X-User-Id", userId)
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build();
		HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
		return new Answer(campaignId, userId, response.statusCode(), response.body(),
				response.headers().firstValue("Retry-After").orElse(null));
	}

}
