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
 * shutdown the batch in hand is finished and committed before the consumer closes. The
 * grants of a scratch campaign ({@link CampaignId#scratch}: a gateway's claim-path
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

	private final Counter stored;

	private final Counter conflicts;

	private final Counter scratchSkipped;

	private final Object lock = new Object();

	private Disposable running;

	private boolean busy;

	private Runnable afterBatch;

	CouponWriter(CouponIssuedSource source, CouponRows rows, CouponPublisher publisher, CouponProperties properties,
			MeterRegistry meters) {
		this.source = source;
		this.rows = rows;
		this.publisher = publisher;
		this.enabled = properties.plays(Role.WRITER);
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
			this.running = this.source.batches()
				.concatMap(this::handle)
				.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500))
					.maxBackoff(Duration.ofSeconds(10))
					.doBeforeRetry((signal) -> logger.warn("Coupon writer restarting after: " + signal.failure())))
				.subscribe();
		}
		logger.info("Coupon writer started");
	}

	/**
	 * Stores, keeps what was refused, then commits; a batch that arrives while stopping
	 * is left for later.
	 */
	private Mono<Void> handle(Batch batch) {
		synchronized (this.lock) {
			if (this.afterBatch != null) {
				return Mono.empty();
			}
			this.busy = true;
		}
		return store(batch).then(Mono.defer(batch::commit)).doFinally((signal) -> batchDone());
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

	private void batchDone() {
		Runnable callback;
		synchronized (this.lock) {
			this.busy = false;
			callback = this.afterBatch;
		}
		if (callback != null) {
			close(callback);
		}
	}

	/** Finishes the batch in hand (stored and committed), then closes the consumer. */
	@Override
	public void stop(Runnable callback) {
		boolean idle;
		synchronized (this.lock) {
			if (this.running == null) {
				callback.run();
				return;
			}
			this.afterBatch = callback;
			idle = !this.busy;
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
		}
		if (current != null) {
			current.dispose();
			logger.info("Coupon writer stopped");
		}
		callback.run();
	}

	/**
	 * Stops and waits (at most 30 s) for the batch in hand; for callers outside the
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
