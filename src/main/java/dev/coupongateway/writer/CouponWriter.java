package dev.coupongateway.writer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.coupongateway.issue.CouponPublisher;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.writer.CouponIssuedSource.Batch;
import dev.coupongateway.writer.CouponIssuedSource.Received;
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
 * The writer role: consume, store, then commit. A batch is committed only after its rows are in
 * PostgreSQL and its refused records are kept (conflict table and DLT); database and Kafka errors are
 * retried with backoff, so nothing is committed unstored. On shutdown the batch in hand is finished
 * and committed before the consumer closes.
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

	/** Stores, keeps what was refused, then commits; a batch that arrives while stopping is left for later. */
	private Mono<Void> handle(Batch batch) {
		synchronized (this.lock) {
			if (this.afterBatch != null) {
				return Mono.empty();
			}
			this.busy = true;
		}
		return store(batch).then(Mono.defer(batch::commit)).doFinally((signal) -> batchDone());
	}

	private Mono<Void> store(Batch batch) {
		Map<String, Received> byCoupon = batch.received()
			.stream()
			.collect(Collectors.toMap((r) -> r.event().couponId().toString(), Function.identity(), (a, b) -> a));
		Mono<Void> attempt = this.rows.insert(batch.received()).flatMap((result) -> {
			this.stored.increment(result.inserted());
			Flux<Void> refused = Flux.fromIterable(result.refused()).concatMap((refusal) -> {
				Received record = byCoupon.get(refusal.couponId());
				logger.warn("Coupon " + refusal.couponId() + " refused by the database (" + refusal.reason()
						+ "), kept in coupon_conflict and " + record.source() + " sent to the DLT");
				this.conflicts.increment();
				return this.publisher.deadLetter(record.key(), record.value(), refusal.reason(), record.source());
			});
			Flux<Void> poison = Flux.fromIterable(batch.poison()).concatMap((record) -> {
				logger.warn("Record " + record.source() + " is not a coupon event (" + record.reason()
						+ "), kept in coupon_conflict and sent to the DLT");
				this.conflicts.increment();
				return this.publisher.deadLetter(record.key(), record.value(), record.reason(), record.source());
			});
			return this.rows.keep(batch.poison()).thenMany(refused).thenMany(poison).then();
		});
		return attempt.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
			.maxBackoff(Duration.ofSeconds(5))
			.filter((ex) -> isRunning())
			.doBeforeRetry((signal) -> logger.warn("Storing a batch of " + batch.size() + " failed, retrying: "
					+ signal.failure().getMessage())));
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

	/** Stops and waits (at most 30 s) for the batch in hand; for callers outside the lifecycle. */
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
