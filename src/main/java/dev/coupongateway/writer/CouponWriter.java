package dev.coupongateway.writer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.writer.CouponIssuedSource.Batch;
import dev.coupongateway.writer.CouponIssuedSource.Poison;
import dev.coupongateway.writer.CouponIssuedSource.Received;
import dev.coupongateway.writer.CouponRows.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The writer role: consume, store, then commit. A batch is committed only after its rows
 * are in PostgreSQL and its refused records are kept (conflict table and DLT); database
 * and Kafka errors are retried with backoff, so nothing is committed unstored. On
 * shutdown the batches in hand are finished and committed before the consumer closes.
 * <p>
 * Up to {@code coupon.writer.batches-in-flight} batches are stored at once, each as its
 * own statement on its own pooled connection, and committed strictly in the order they
 * were read: a batch's commit waits for every earlier batch to be stored and committed,
 * so a committed offset still means every record before it is stored. Stored one at a
 * time, the drain left PostgreSQL idle while the writer decoded the next batch, waited
 * for a commit or for the next round trip: it reached 36% of PostgreSQL's own
 * {@code COPY} of the same rows, while the store statement alone costs about 27 ms per
 * 1,000 rows against {@code COPY}'s 20. Three batches of 5,000 in flight drained 1.5
 * times as fast (bench/RESULTS.md, "Writer drain with batches in flight"). {@code COPY}
 * into a staging table was not taken (nor measured): its {@code INSERT ... SELECT} still
 * pays the same unique indexes, trigger and {@code ON CONFLICT}, and costs four round
 * trips per batch (begin, copy, insert, commit) on a connection of its own instead of
 * one. Batches in flight may store in any order; that changes only which of two records
 * clashing on a number or user slot (possible only after Redis lost state) is stored and
 * which is kept as a conflict, a choice already left to timing across partitions and
 * writers; concurrent batches inserting overlapping keys may deadlock, in which case
 * PostgreSQL aborts one and the batch is retried.
 * <p>
 * The grants of a scratch campaign ({@link CampaignId#scratch}: a gateway's claim-path
 * warm-up) are read and decoded like any, then skipped and committed with their batch: no
 * row, no conflict, no dead letter; counted, {@code coupon.writer.scratch}.
 */
@Component
class CouponWriter implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(CouponWriter.class);

	private final CouponIssuedSource source;

	private final CouponRows rows;

	private final CouponPublisher publisher;

	private final boolean enabled;

	private final int batchesInFlight;

	private final Counter stored;

	private final Counter conflicts;

	private final Counter scratchSkipped;

	private final Object lock = new Object();

	private Disposable running;

	// batches accepted and not yet committed (or failed) by the current subscription
	private int inFlight;

	// which subscription to the source counts: signals of an abandoned one are ignored
	private long generation;

	private Runnable afterBatch;

	CouponWriter(CouponIssuedSource source, CouponRows rows, CouponPublisher publisher, CouponProperties properties,
			MeterRegistry meters) {
		this.source = source;
		this.rows = rows;
		this.publisher = publisher;
		this.enabled = properties.plays(Role.WRITER);
		this.batchesInFlight = properties.writer().batchesInFlight();
		this.stored = Counter.builder("coupon.writer.stored").description("Coupon rows inserted").register(meters);
		this.scratchSkipped = Counter.builder("coupon.writer.scratch")
			.description(
					"Grants of a scratch campaign (an instance's claim-path warm-up) read and skipped, never stored")
			.register(meters);
		this.conflicts = Counter.builder("coupon.writer.conflicts")
			.description("Records refused by the database's guards or unreadable, kept in coupon_conflict and the DLT")
			.register(meters);
	}

	@Override
	public void start() {
		synchronized (this.lock) {
			if (!this.enabled || this.running != null) {
				return;
			}
			this.afterBatch = null;
			this.running = Flux.defer(this::consume)
				.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500))
					.maxBackoff(Duration.ofSeconds(10))
					.doBeforeRetry((signal) -> logger.warn("Coupon writer restarting after: " + signal.failure())))
				.subscribe();
		}
		logger.info("Coupon writer started");
	}

	/**
	 * One subscription to the source: batches stored up to {@code batchesInFlight} at a
	 * time, emitted in the order they were read, each committed after the one before.
	 */
	private Flux<Void> consume() {
		long current;
		synchronized (this.lock) {
			current = ++this.generation;
			this.inFlight = 0;
		}
		return this.source.batches()
			.flatMapSequential((batch) -> handle(batch, current), this.batchesInFlight, 1)
			.concatMap((batch) -> batch.commit().doFinally((signal) -> batchDone(current)))
			.doOnError((ex) -> abandoned(current));
	}

	/**
	 * Stores and keeps what was refused; a batch that arrives while stopping is left for
	 * later, and so is every one after it.
	 */
	private Mono<Batch> handle(Batch batch, long current) {
		synchronized (this.lock) {
			if (this.afterBatch != null || current != this.generation) {
				return Mono.empty();
			}
			this.inFlight++;
		}
		return store(batch).thenReturn(batch)
			.doOnError((ex) -> batchDone(current))
			.doOnCancel(() -> batchDone(current));
	}

	/**
	 * Inserts the rows, keeps what the guards refused and what could not be read, then
	 * dead-letters each kept record once. Retried as a whole on failure; keeping is
	 * idempotent, so a retry after a failed DLT send counts and sends only what is still
	 * owed.
	 */
	private Mono<Void> store(Batch batch) {
		Map<String, Received> byCoupon = batch.received()
			.stream()
			.collect(Collectors.toMap((r) -> r.event().couponId().toString(), Function.identity(), (a, b) -> a));
		Map<String, Poison> poisonBySource = batch.poison()
			.stream()
			.collect(Collectors.toMap(Poison::source, Function.identity(), (a, b) -> a));
		// a scratch campaign's grants (the gateway's warm-up) are decoded, then skipped:
		// not a coupon anyone holds, not a conflict, not for the DLT
		List<Received> coupons = new ArrayList<>(batch.received().size());
		batch.received()
			.stream()
			.filter((received) -> !CampaignId.isScratch(received.event().campaignId()))
			.forEach(coupons::add);
		int scratch = batch.received().size() - coupons.size();
		Mono<Void> attempt = this.rows.insert(coupons).flatMap((result) -> {
			this.stored.increment(result.inserted());
			// counted and logged as the statement keeps them, before any DLT send that
			// may fail
			result.refused().stream().filter(Refusal::kept).forEach((refusal) -> {
				this.conflicts.increment();
				logger.warn("Coupon " + refusal.couponId() + " refused by the database (" + refusal.reason()
						+ "), kept in coupon_conflict and " + refusal.source() + " sent to the DLT");
			});
			Flux<Void> refused = Flux.fromIterable(result.refused()).concatMap((refusal) -> {
				Received record = byCoupon.get(refusal.couponId());
				return deadLetter(record.key(), record.value(), refusal.reason(), refusal.source());
			});
			return refused.then(this.rows.keep(batch.poison())).flatMapMany((due) -> {
				due.forEach((source, kept) -> {
					if (kept) {
						this.conflicts.increment();
						logger
							.warn("Record " + source + " is not a coupon event (" + poisonBySource.get(source).reason()
									+ "), kept in coupon_conflict and sent to the DLT");
					}
				});
				return Flux.fromIterable(due.keySet()).map(poisonBySource::get);
			}).concatMap((record) -> deadLetter(record.key(), record.value(), record.reason(), record.source())).then();
		});
		return attempt
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
				.maxBackoff(Duration.ofSeconds(5))
				.filter((ex) -> isRunning())
				.doBeforeRetry((signal) -> logger.warn(
						"Storing a batch of " + batch.size() + " failed, retrying: " + signal.failure().getMessage())))
			.doOnSuccess((done) -> this.scratchSkipped.increment(scratch));
	}

	private Mono<Void> deadLetter(String key, byte[] value, String reason, String source) {
		return this.publisher.deadLetter(key, value, reason, source).then(this.rows.deadLettered(source));
	}

	private void batchDone(long current) {
		Runnable callback;
		synchronized (this.lock) {
			if (current != this.generation) {
				return;
			}
			this.inFlight--;
			callback = (this.inFlight == 0) ? this.afterBatch : null;
		}
		if (callback != null) {
			close(callback);
		}
	}

	/**
	 * The subscription failed (it is retried): batches it stored but did not commit are
	 * delivered again, and a stop waiting for them need not wait any longer.
	 */
	private void abandoned(long current) {
		Runnable callback;
		synchronized (this.lock) {
			if (current != this.generation) {
				return;
			}
			this.generation++;
			this.inFlight = 0;
			callback = this.afterBatch;
		}
		if (callback != null) {
			close(callback);
		}
	}

	/**
	 * Finishes the batches in hand (stored and committed), then closes the consumer.
	 */
	@Override
	public void stop(Runnable callback) {
		boolean idle;
		synchronized (this.lock) {
			if (this.running == null) {
				callback.run();
				return;
			}
			this.afterBatch = callback;
			idle = this.inFlight == 0;
		}
		if (idle) {
			close(callback);
		}
	}

	private void close(Runnable callback) {
		Disposable current;
		synchronized (this.lock) {
			current = this.running;
			this.running = null;
			this.afterBatch = null;
			this.generation++;
			this.inFlight = 0;
		}
		if (current != null) {
			current.dispose();
			logger.info("Coupon writer stopped");
		}
		callback.run();
	}

	/**
	 * Stops and waits (at most 30 s) for the batches in hand; for callers outside the
	 * lifecycle.
	 */
	@Override
	public void stop() {
		CountDownLatch stopped = new CountDownLatch(1);
		stop(stopped::countDown);
		try {
			stopped.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		synchronized (this.lock) {
			return this.running != null;
		}
	}

}
